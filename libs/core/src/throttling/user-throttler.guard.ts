import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AuthenticatedRequest } from '../auth/auth.decorators';

/**
 * Limits per user (the token's subject), after AuthGuard has identified the caller. One budget
 * per user across all routes: the key is just the user (the default hashes class and handler
 * names into it, per route, on every request).
 *
 * This API sets its limits once, in ThrottlingModule, never per route, so the per-request
 * metadata lookups of the stock guard (six @Throttle/@SkipThrottle reflections per request) are
 * skipped. Public routes (health probes) have no caller and are not limited.
 */
@Injectable()
export class UserThrottlerGuard extends ThrottlerGuard {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const { principal } = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!principal || this.commonOptions.skipIf?.(context)) return true;
    for (const throttler of this.throttlers) {
      const ttl = throttler.ttl as number;
      await this.handleRequest({
        context,
        throttler,
        limit: throttler.limit as number,
        ttl,
        blockDuration: (throttler.blockDuration as number | undefined) ?? ttl,
        getTracker: async () => `user:${principal.userId}`,
        generateKey: (_context, tracker, name) => `${name}:${tracker}`,
      });
    }
    return true;
  }
}
