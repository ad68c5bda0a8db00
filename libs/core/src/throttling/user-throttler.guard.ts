import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AuthenticatedRequest } from '../auth/auth.decorators';

/**
 * Limits per user (the token's subject), not per IP: runs after AuthGuard. One budget per user
 * across all routes, so the key is just the user (the default hashes class and handler names
 * into it, per route, for every request).
 */
@Injectable()
export class UserThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(request: AuthenticatedRequest): Promise<string> {
    return request.principal ? `user:${request.principal.userId}` : `ip:${request.ip}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttler: string): string {
    return `${throttler}:${tracker}`;
  }
}
