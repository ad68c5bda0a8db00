import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error';
import { carriesBody } from '../validation/request-input';
import { AuthenticatedRequest } from './auth.decorators';
import { Principal } from './principal';
import { TokenService } from './token.service';

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;
const WWW_AUTHENTICATE = 'Bearer realm="maas"';

/** The caller the request's `Authorization: Bearer` token proves, or undefined. */
export function bearerPrincipal(request: FastifyRequest, tokens: TokenService): Principal | undefined {
  const match = BEARER.exec(request.headers.authorization ?? '');
  return match ? tokens.verify(match[1]) : undefined;
}

export function unauthorized(headers: Readonly<Record<string, string>> = {}): AppError {
  return new AppError('unauthorized', undefined, {}, { 'WWW-Authenticate': WWW_AUTHENTICATE, ...headers });
}

/** The body still on the wire is not read: the connection goes once the answer is out. */
const CLOSE = { Connection: 'close' } as const;

/**
 * A body is read only from a caller who proved who they are: no public route takes one, so a
 * request with a body to an unknown route is a 404 and one without a valid token a 401, both
 * answered before a byte of the body is read (a slow or huge body costs nothing). The principal
 * is kept on the request, and AuthGuard uses it instead of verifying the token again.
 */
export function authenticateBeforeBody(fastify: FastifyInstance, tokens: TokenService): void {
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    if (!carriesBody(request)) {
      done(null, payload);
      return;
    }
    if (request.is404) {
      done(new AppError('not_found', undefined, {}, CLOSE));
      return;
    }
    const principal = bearerPrincipal(request, tokens);
    if (!principal) {
      done(unauthorized(CLOSE));
      return;
    }
    (request as AuthenticatedRequest).principal = principal;
    done(null, payload);
  });
}
