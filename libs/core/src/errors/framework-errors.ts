import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './app-error';
import { ERRORS, ErrorCode } from './error-codes';
import { problemBody, sendProblem } from './problem.filter';

type Headers = Readonly<Record<string, string>>;

/**
 * Fastify's `frameworkErrors`: a URL it cannot route (bad percent-encoding in the path, a path
 * segment over its length limit) as problem+json. The URL is not echoed: it is what was wrong.
 * These requests skip every hook, so the usual response headers are set here.
 */
export function frameworkErrorHandler(headers: Headers) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    void reply.headers(headers).header('x-request-id', request.id);
    if (error.code === 'FST_ERR_BAD_URL') {
      sendProblem(request, reply, new AppError('invalid_request', 'The URL path is not validly percent-encoded.'), { echoPath: false });
    } else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
      sendProblem(request, reply, new AppError('uri_too_long', 'A segment of the URL path is too long.'), { echoPath: false });
    } else {
      sendProblem(request, reply, new AppError('internal_error'), { echoPath: false });
    }
  };
}

const CLIENT_ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
  HPE_HEADER_OVERFLOW: 'request_headers_too_large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'payload_too_large',
};

/** The response Node has begun on this socket, if any (it is not public API, but Node's own handler reads it too). */
function responseStarted(socket: Socket): boolean {
  return (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
}

/**
 * Fastify's `clientErrorHandler`: a request Node's HTTP parser refused (malformed, headers too
 * large, not all there in time) answered as problem+json on the raw socket, then the connection
 * closed. No part of the request is echoed.
 */
export function clientErrorHandler(headers: Headers, nextRequestId: () => string) {
  const fixed = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    if (!socket.writable || responseStarted(socket)) {
      socket.destroy();
      return;
    }
    const code = CLIENT_ERROR_CODES[error.code ?? ''] ?? 'invalid_request';
    const requestId = nextRequestId();
    const body = JSON.stringify(problemBody(new AppError(code), requestId));
    const { status } = ERRORS[code];
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${fixed}x-request-id: ${requestId}\r\n` +
        `content-type: application/problem+json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      () => socket.destroy(),
    );
  };
}
