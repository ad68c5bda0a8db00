import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError, AuthenticatedRequest, RouteMetadata } from '@maas/core';
import { Subscriptions } from '@maas/subscriptions';

const PREMIUM_KEY = 'maas:premium';
type PremiumUse = 'required' | 'resolved';

/** The route needs an active premium subscription: 403 premium_required otherwise. */
export const Premium = (): MethodDecorator => SetMetadata(PREMIUM_KEY, 'required' satisfies PremiumUse);

/** The route serves premium callers differently: it gets their status as `request.premium`. */
export const PremiumAware = (): MethodDecorator => SetMetadata(PREMIUM_KEY, 'resolved' satisfies PremiumUse);

export interface PremiumAwareRequest extends AuthenticatedRequest {
  /**
   * Whether the caller has an active premium subscription (false when it cannot be told): the
   * answer itself when this process knows it at once, else a promise of it.
   */
  premium?: boolean | Promise<boolean>;
}

/**
 * The premium guard. The token's `tier: "premium"` claim alone never grants anything: it is
 * confirmed by the subscription (read through its cache), so a cancellation stops premium on the
 * next request, and a subscriber whose token lacks the claim is premium all the same. Runs
 * between AuthGuard and the rate limiter: on a @PremiumAware route the lookup is started here and
 * not awaited, so its cache read runs beside the rate-limit count and the validation.
 */
@Injectable()
export class PremiumGuard implements CanActivate {
  private readonly use: RouteMetadata<PremiumUse>;

  constructor(
    reflector: Reflector,
    private readonly subscriptions: Subscriptions,
  ) {
    this.use = new RouteMetadata(reflector, PREMIUM_KEY);
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const use = this.use.of(context);
    if (!use) return true;
    const request = context.switchToHttp().getRequest<PremiumAwareRequest>();
    if (!request.principal) return true;
    if (use === 'required') {
      return this.subscriptions.isPremium(request.principal.userId).then((premium) => {
        if (!premium) throw new AppError('premium_required');
        return true;
      });
    }
    // Unknown (subscriptions unreachable): served as standard, never as AI.
    const { userId } = request.principal;
    request.premium = this.subscriptions.knownNotPremium(userId) ? false : this.subscriptions.isPremium(userId).catch(() => false);
    return true;
  }
}
