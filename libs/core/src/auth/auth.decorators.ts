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

/** The verified caller of the current request. */
export const Caller = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('Caller used on a public route');
  return principal;
});
