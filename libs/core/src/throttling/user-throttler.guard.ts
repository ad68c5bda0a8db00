import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerException,
  ThrottlerModuleOptions,
  ThrottlerOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { FastifyReply } from 'fastify';
import { AuthenticatedRequest } from '../auth/auth.decorators';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/**
 * Limits per user (the token's subject), after AuthGuard has identified the caller, with
 * ThrottlerModule's limit and storage and the stock guard's headers and refusal (a
 * ThrottlerException, with Retry-After). One budget per user across all routes: the key is just
 * the user.
 *
 * Not the stock ThrottlerGuard: this API sets one limit, once, in ThrottlingModule, never per
 * route, so its per-request work is not needed (six @Throttle/@SkipThrottle metadata lookups, a
 * per-route key, a chain of promises). With the Redis storage a hit is nearly always counted at
 * once (see RedisThrottlerStorage.count), and the guard answers synchronously. Requests without
 * a caller are limited per client IP instead, before they reach Nest (limitPublicRequests).
 */
@Injectable()
export class UserThrottlerGuard implements CanActivate {
  private readonly throttler: ThrottlerOptions & { limit: number; ttl: number };
  private readonly skipIf?: (context: ExecutionContext) => boolean;

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
  ) {
    const [throttler, ...more] = Array.isArray(options) ? options : options.throttlers;
    if (!throttler || more.length > 0 || typeof throttler.limit !== 'number' || typeof throttler.ttl !== 'number') {
      throw new Error('UserThrottlerGuard needs exactly one limit, with a numeric limit and ttl');
    }
    this.throttler = throttler as ThrottlerOptions & { limit: number; ttl: number };
    this.skipIf = Array.isArray(options) ? undefined : options.skipIf;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const { principal } = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!principal || this.skipIf?.(context)) return true;
    const { limit, ttl, blockDuration, name = 'default' } = this.throttler;
    const key = `${name}:user:${principal.userId}`;
    const counted =
      this.storage instanceof RedisThrottlerStorage
        ? this.storage.count(key, ttl, limit)
        : this.storage.increment(key, ttl, limit, (blockDuration as number | undefined) ?? ttl, name);
    return counted instanceof Promise ? counted.then((hit) => this.admit(context, hit)) : this.admit(context, counted);
  }

  private admit(context: ExecutionContext, hit: ThrottlerStorageRecord): true {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    if (hit.isBlocked) {
      reply.header('Retry-After', hit.timeToBlockExpire);
      throw new ThrottlerException();
    }
    reply.header('X-RateLimit-Limit', this.throttler.limit);
    reply.header('X-RateLimit-Remaining', Math.max(0, this.throttler.limit - hit.totalHits));
    reply.header('X-RateLimit-Reset', hit.timeToExpire);
    return true;
  }
}
