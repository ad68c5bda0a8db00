export * from './subscription';
export * from './subscription-cache';
export { SUBSCRIPTION_PLANS, SUBSCRIPTION_STATUSES, type SubscriptionPlan, type SubscriptionStatus } from './subscription.entity';
export { subscriptionKey, CACHE_ERRORS_METRIC } from './redis-subscription-cache';
export type { GrantOptions } from './subscription-store';
export * from './subscriptions.module';
export * from './subscriptions.service';
