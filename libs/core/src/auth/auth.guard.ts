import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError } from '../errors/app-error';
import { RouteMetadata } from '../routing/route-metadata';
import { Access, ACCESS_KEY, AuthenticatedRequest } from './auth.decorators';
import { TokenService } from './token.service';

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

/** Global guard: every route needs a valid bearer token unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly access: RouteMetadata<Access>;

  constructor(
    reflector: Reflector,
    private readonly tokens: TokenService,
  ) {
    this.access = new RouteMetadata(reflector, ACCESS_KEY);
  }

  canActivate(context: ExecutionContext): boolean {
    const access = this.access.of(context);
    if (access && 'public' in access) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const match = BEARER.exec(request.headers.authorization ?? '');
    const principal = match ? this.tokens.verify(match[1]) : undefined;
    if (!principal) throw new AppError('unauthorized', undefined, {}, { 'WWW-Authenticate': 'Bearer realm="maas"' });
    if (access && 'role' in access && !principal.roles.includes(access.role)) {
      throw new AppError('forbidden', `This route needs the "${access.role}" role.`);
    }
    request.principal = principal;
    return true;
  }
}
