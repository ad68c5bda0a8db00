import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './app-error';
import { ERRORS, ErrorCode } from './error-codes';

/** The code for an HTTP error raised by the framework rather than by a service (unknown route, body too large …). */
const FRAMEWORK_CODES: readonly ErrorCode[] = [
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
];
const STATUS_CODES: ReadonlyMap<number, ErrorCode> = new Map(FRAMEWORK_CODES.map((code) => [ERRORS[code].status, code]));

/** Renders every error as RFC 9457 problem+json with a stable `code`; 5xx internals are logged, never sent. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), this.toAppError(exception));
  }

  private toAppError(exception: unknown): AppError {
    if (exception instanceof AppError) {
      if (exception.cause !== undefined) this.logger.warn(`${exception.code}: ${describe(exception.cause)}`);
      return exception;
    }
    if (exception instanceof ThrottlerException) return new AppError('rate_limited');
    const status = exception instanceof HttpException ? exception.getStatus() : statusOf(exception);
    const code = status !== undefined && status < 500 ? STATUS_CODES.get(status) : undefined;
    if (code) return new AppError(code);
    this.logger.error(describe(exception));
    return new AppError('internal_error');
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Errors raised by Fastify itself (body parsing, size limits) carry a statusCode. */
function statusOf(exception: unknown): number | undefined {
  const status = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function sendProblem(request: FastifyRequest, reply: FastifyReply, error: AppError): void {
  const { status, title } = ERRORS[error.code];
  const body: Record<string, unknown> = {
    type: `urn:maas:problem:${error.code}`,
    title,
    status,
    code: error.code,
    ...(error.detail === undefined ? {} : { detail: error.detail }),
    ...error.extensions,
    instance: request.url.split('?', 1)[0],
    requestId: request.id,
  };
  void reply.status(status).headers(error.headers).type('application/problem+json').send(body);
}
