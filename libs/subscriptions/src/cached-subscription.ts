import { Subscription } from './subscription';
import { SUBSCRIPTION_PLANS, SUBSCRIPTION_STATUSES } from './subscription.entity';

/** The Redis value for "this user has no subscription": absences are cached too. */
export const NO_SUBSCRIPTION = 'none';

/** A Redis value that cannot be read (written by another version, or damaged): treated as a miss. */
export const UNREADABLE = Symbol('unreadable');

/** The Redis value of a user's cache entry: the subscription's fields as JSON (the key names the user), or `none`. */
export function encodeSubscription(subscription: Subscription | undefined): string {
  if (!subscription) return NO_SUBSCRIPTION;
  return JSON.stringify({
    plan: subscription.plan,
    status: subscription.status,
    currentPeriodStart: subscription.currentPeriodStart.toISOString(),
    currentPeriodEnd: subscription.currentPeriodEnd.toISOString(),
    createdAt: subscription.createdAt.toISOString(),
    updatedAt: subscription.updatedAt.toISOString(),
  });
}

/** The subscription a Redis value holds, null for a cached absence, UNREADABLE for anything else. */
export function decodeSubscription(userId: string, value: string): Subscription | null | typeof UNREADABLE {
  if (value === NO_SUBSCRIPTION) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return UNREADABLE;
  }
  if (typeof parsed !== 'object' || parsed === null) return UNREADABLE;
  const fields = parsed as Record<string, unknown>;
  const plan = SUBSCRIPTION_PLANS.find((known) => known === fields.plan);
  const status = SUBSCRIPTION_STATUSES.find((known) => known === fields.status);
  const dates = [fields.currentPeriodStart, fields.currentPeriodEnd, fields.createdAt, fields.updatedAt].map(dateOf);
  if (!plan || !status || dates.some((date) => date === undefined)) return UNREADABLE;
  const [currentPeriodStart, currentPeriodEnd, createdAt, updatedAt] = dates as Date[];
  return { userId, plan, status, currentPeriodStart, currentPeriodEnd, createdAt, updatedAt };
}

function dateOf(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
