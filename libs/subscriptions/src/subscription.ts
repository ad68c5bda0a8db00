import { SubscriptionPlan, SubscriptionStatus } from './subscription.entity';

/** A subscription row as PostgreSQL holds it (and as the cache keeps it). */
export interface Subscription {
  readonly userId: string;
  readonly plan: SubscriptionPlan;
  readonly status: SubscriptionStatus;
  readonly currentPeriodStart: Date;
  readonly currentPeriodEnd: Date;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What the API answers: dates as ISO 8601 (UTC), and whether premium is on right now. */
export interface SubscriptionView {
  readonly userId: string;
  readonly plan: SubscriptionPlan;
  readonly status: SubscriptionStatus;
  readonly currentPeriodStart: string;
  readonly currentPeriodEnd: string;
  readonly premium: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * Premium is on while the subscription is active and its period has not ended. Worked out at
 * read time, never stored or cached, so a period ending while its row sits in the cache ends
 * premium on time. past_due and cancelled are not premium, whatever the period says.
 */
export function isPremiumAt(subscription: Subscription, now: number): boolean {
  return subscription.status === 'active' && subscription.currentPeriodEnd.getTime() > now;
}

export function viewOf(subscription: Subscription, now: number): SubscriptionView {
  return {
    userId: subscription.userId,
    plan: subscription.plan,
    status: subscription.status,
    currentPeriodStart: subscription.currentPeriodStart.toISOString(),
    currentPeriodEnd: subscription.currentPeriodEnd.toISOString(),
    premium: isPremiumAt(subscription, now),
    createdAt: subscription.createdAt.toISOString(),
    updatedAt: subscription.updatedAt.toISOString(),
  };
}
