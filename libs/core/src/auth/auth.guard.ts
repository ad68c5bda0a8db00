import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError } from '../errors/app-error';
import { RouteMetadata } from '../routing/route-metadata';
import { Access, ACCESS_KEY, AuthenticatedRequest } from './auth.decorators';
import { bearerPrincipal, unauthorized } from './bearer-before-body';
import { TokenService } from './token.service';

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
    // A request with a body was authenticated before its body was read (authenticateBeforeBody).
    const principal = request.principal ?? bearerPrincipal(request, this.tokens);
    if (!principal) throw unauthorized();
    if (access && 'role' in access && !principal.roles.includes(access.role)) {
      throw new AppError('forbidden', `This route needs the "${access.role}" role.`);
    }
    request.principal = principal;
    return true;
  }
}
