import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { ADMIN_ROLE, Principal } from './principal';

export const ACCESS_KEY = 'maas:access';
export type Access = { readonly public: true } | { readonly role: string };

/** The route needs no bearer token (health probes). Every other route does. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_KEY, { public: true } satisfies Access);

/** The route needs a token carrying the `admin` role. */
export const AdminOnly = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_KEY, { role: ADMIN_ROLE } satisfies Access);

export interface AuthenticatedRequest extends FastifyRequest {
  principal?: Principal;
}

/** The verified caller of a request that AuthGuard let through. */
export function callerOf(request: AuthenticatedRequest): Principal {
  if (!request.principal) throw new Error('Caller read on a public route');
  return request.principal;
}

/** The verified caller of the current request. */
export const Caller = createParamDecorator((_: unknown, context: ExecutionContext): Principal =>
  callerOf(context.switchToHttp().getRequest<AuthenticatedRequest>()),
);
