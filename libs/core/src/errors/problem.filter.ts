import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, FieldProblem } from './app-error';
import { ERRORS, ErrorCode } from './error-codes';

/** The code for an HTTP error raised by the framework rather than by a service (unknown route, body too large …). */
const FRAMEWORK_CODES: readonly ErrorCode[] = [
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'request_timeout',
  'precondition_failed',
  'payload_too_large',
  'uri_too_long',
  'unsupported_media_type',
  'range_not_satisfiable',
  'rate_limited',
  'request_headers_too_large',
];
const STATUS_CODES: ReadonlyMap<number, ErrorCode> = new Map(FRAMEWORK_CODES.map((code) => [ERRORS[code].status, code]));

/** A 400 lists at most this many problems (and how many there were): a flood of bad parameters gets a small answer. */
export const MAX_LISTED_PROBLEMS = 20;

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

/**
 * The problem+json body of an error. `instance` is the path asked for; it is left out where the
 * path itself is what was wrong (a malformed or overlong URL is never echoed).
 */
export function problemBody(error: AppError, requestId: string, instance?: string): Record<string, unknown> {
  const { status, title } = ERRORS[error.code];
  const listed = capped(error);
  return {
    type: `urn:maas:problem:${error.code}`,
    title,
    status,
    code: error.code,
    ...(listed.detail === undefined ? {} : { detail: listed.detail }),
    ...error.extensions,
    ...listed.extensions,
    ...(instance === undefined ? {} : { instance }),
    requestId,
  };
}

/** The first MAX_LISTED_PROBLEMS of a 400's problems, with the total; the detail names them only. */
function capped(error: AppError): { detail: string | undefined; extensions: Record<string, unknown> } {
  const errors = error.extensions.errors;
  if (!Array.isArray(errors)) return { detail: error.detail, extensions: {} };
  if (errors.length <= MAX_LISTED_PROBLEMS) return { detail: error.detail, extensions: { errorCount: errors.length } };
  const listed = (errors as FieldProblem[]).slice(0, MAX_LISTED_PROBLEMS);
  const described = listed.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
  return {
    detail: `${described}; and ${errors.length - MAX_LISTED_PROBLEMS} more`,
    extensions: { errors: listed, errorCount: errors.length },
  };
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: AppError, { echoPath = true } = {}): void {
  const body = problemBody(error, request.id, echoPath ? request.url.split('?', 1)[0] : undefined);
  void reply.status(ERRORS[error.code].status).headers(error.headers).type('application/problem+json').send(body);
}
