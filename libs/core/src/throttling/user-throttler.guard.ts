import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AuthenticatedRequest } from '../auth/auth.decorators';

/** Limits per user (the token's subject), not per IP: runs after AuthGuard. */
@Injectable()
export class UserThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(request: AuthenticatedRequest): Promise<string> {
    return request.principal ? `user:${request.principal.userId}` : `ip:${request.ip}`;
  }
}
