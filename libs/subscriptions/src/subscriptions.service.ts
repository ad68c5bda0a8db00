import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppError, Metrics, RuntimeConfig } from '@maas/core';
import { ListQuery, PAGE_SIZE } from './list-query';
import { LruCache } from './lru-cache';
import { isPremiumAt, Subscription, SubscriptionView, viewOf } from './subscription';
import { reason, SubscriptionCache } from './subscription-cache';
import { SubscriptionStatus } from './subscription.entity';
import { GrantOptions, SubscriptionStore } from './subscription-store';

export const DEFAULT_PERIOD_DAYS = 30;
export const MAX_PERIOD_DAYS = 3660;
const DAY_MS = 24 * 3600 * 1000;

/** A subscription as an admin wants it (PUT): the period by its exact end, or renewed by `periodDays`. */
export interface DesiredSubscription {
  readonly status?: SubscriptionStatus;
  readonly periodDays?: number;
  readonly currentPeriodEnd?: Date;
}

export interface SubscriptionLookup {
  readonly subscription: SubscriptionView | undefined;
  /** Whether the cache held the answer before this lookup. */
  readonly cached: boolean;
}

export interface SubscriptionListPage {
  readonly items: SubscriptionView[];
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
}

/** How long one instance remembers that a user is not premium (see isPremium). */
export const NOT_PREMIUM_REMEMBERED_MS = 2000;

const HITS_METRIC = 'maas_subscription_cache_hits_total';
const MISSES_METRIC = 'maas_subscription_cache_misses_total';

/**
 * Users' subscriptions: PostgreSQL is the system of record, read through a cache (Redis when
 * configured, else in process) so the hot path usually runs no SQL at all. Writes go to
 * PostgreSQL first and then drop the user's cache entry, so the next lookup reads the new row:
 * a cancellation ends premium on the very next request.
 */
@Injectable()
export class Subscriptions {
  private readonly logger = new Logger('Subscriptions');
  private readonly notPremium: LruCache<true>;

  constructor(
    private readonly store: SubscriptionStore,
    private readonly cache: SubscriptionCache,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {
    this.notPremium = new LruCache(config.subscriptionCacheMaxEntries, NOT_PREMIUM_REMEMBERED_MS);
  }

  /** The user's subscription, whatever its status; undefined when they never had one. */
  async find(userId: string): Promise<SubscriptionView | undefined> {
    return (await this.lookup(userId)).subscription;
  }

  /**
   * Premium now: an active subscription whose period has not ended (past_due and cancelled are
   * not). Asked on every GET /memes, so a "no" is also remembered in this process for
   * NOT_PREMIUM_REMEMBERED_MS: standard callers then cost no cache round trip. A "yes" never is,
   * so a cancellation is seen on the next request by every instance; a new subscription is seen at
   * once by the instance that granted it and within that time by the others.
   */
  async isPremium(userId: string): Promise<boolean> {
    if (this.knownNotPremium(userId)) return false;
    const { subscription } = await this.read(userId);
    const premium = subscription !== undefined && isPremiumAt(subscription, Date.now());
    if (!premium) this.notPremium.set(userId, true);
    return premium;
  }

  /** This process remembers the user is not premium (see isPremium): the answer without a lookup. */
  knownNotPremium(userId: string): boolean {
    return this.notPremium.has(userId);
  }

  /** As find(), and whether the answer came from the cache. */
  async lookup(userId: string): Promise<SubscriptionLookup> {
    const { subscription, cached } = await this.read(userId);
    return { subscription: subscription && viewOf(subscription, Date.now()), cached };
  }

  /** Creates (created: true) or renews a subscription; see SubscriptionStore.grant for the period rules. */
  async grant(userId: string, options: Partial<GrantOptions> = {}): Promise<{ subscription: SubscriptionView; created: boolean }> {
    const periodDays = options.periodDays ?? DEFAULT_PERIOD_DAYS;
    if (!Number.isInteger(periodDays) || periodDays < 1 || periodDays > MAX_PERIOD_DAYS) {
      throw AppError.invalid([{ field: 'periodDays', message: `must be a whole number from 1 to ${MAX_PERIOD_DAYS}` }]);
    }
    const { subscription, created } = await this.store.grant(userId, { periodDays, status: options.status ?? 'active' });
    this.notPremium.delete(userId);
    await this.invalidate(userId);
    return { subscription: viewOf(subscription, Date.now()), created };
  }

  /**
   * Makes the subscription what `desired` says. Without `currentPeriodEnd` it is a grant (see
   * grant). With it, the period ends exactly then: a new end must lie ahead, at most
   * MAX_PERIOD_DAYS; the current end sent back unchanged is always accepted, even if past. Status
   * cancelled cancels an existing subscription and keeps its period (periodDays would renew it: 400).
   */
  async put(userId: string, desired: DesiredSubscription): Promise<{ subscription: SubscriptionView; created: boolean }> {
    const { status = 'active', periodDays, currentPeriodEnd } = desired;
    if (periodDays !== undefined && currentPeriodEnd !== undefined) {
      throw AppError.invalid([{ field: 'periodDays', message: 'give periodDays or currentPeriodEnd, not both' }]);
    }
    if (status === 'cancelled') return this.cancelAsPut(userId, periodDays, currentPeriodEnd);
    if (currentPeriodEnd === undefined) return this.grant(userId, { periodDays, status });
    const endProblem = [{ field: 'currentPeriodEnd', message: `must lie ahead (at most ${MAX_PERIOD_DAYS} days), or be the current end unchanged` }];
    const now = Date.now();
    if (currentPeriodEnd.getTime() > now + MAX_PERIOD_DAYS * DAY_MS) throw AppError.invalid(endProblem);
    let outcome: { subscription: Subscription; created: boolean } | undefined;
    if (currentPeriodEnd.getTime() <= now) {
      // Only the current end may be in the past (a period that has ended, sent back as read): the period stays.
      const current = await this.store.find(userId);
      if (current?.currentPeriodEnd.getTime() !== currentPeriodEnd.getTime()) throw AppError.invalid(endProblem);
      const subscription = await this.store.setStatus(userId, status);
      outcome = subscription && { subscription, created: false };
    } else {
      outcome = await this.store.setPeriodEnd(userId, { currentPeriodEnd, status });
    }
    if (!outcome) throw AppError.invalid(endProblem);
    this.notPremium.delete(userId);
    await this.invalidate(userId);
    return { subscription: viewOf(outcome.subscription, Date.now()), created: outcome.created };
  }

  private async cancelAsPut(userId: string, periodDays: number | undefined, end: Date | undefined): Promise<{ subscription: SubscriptionView; created: false }> {
    if (periodDays !== undefined) throw AppError.invalid([{ field: 'periodDays', message: 'a cancelled subscription is not renewed: set status active' }]);
    const current = await this.store.find(userId);
    if (!current) throw new AppError('subscription_not_found');
    if (end !== undefined && end.getTime() !== current.currentPeriodEnd.getTime()) {
      throw AppError.invalid([{ field: 'currentPeriodEnd', message: 'a cancelled subscription keeps its period: set status active to change it' }]);
    }
    const subscription = await this.cancel(userId);
    if (!subscription) throw new AppError('subscription_not_found');
    return { subscription, created: false };
  }

  /** Cancels at once; undefined when the user has no subscription. */
  async cancel(userId: string): Promise<SubscriptionView | undefined> {
    const subscription = await this.store.cancel(userId);
    if (!subscription) return undefined;
    await this.invalidate(userId);
    return viewOf(subscription, Date.now());
  }

  /** Straight from PostgreSQL (an admin view: never cached). */
  async list({ status, page }: ListQuery): Promise<SubscriptionListPage> {
    const { items, total } = await this.store.list({ status, page, pageSize: PAGE_SIZE });
    const now = Date.now();
    return { items: items.map((subscription) => viewOf(subscription, now)), page, pageSize: PAGE_SIZE, total };
  }

  private async read(userId: string): Promise<{ subscription: Subscription | undefined; cached: boolean }> {
    const read = await this.cache.read(userId, () => this.store.find(userId));
    if (read.cached) this.metrics.count(HITS_METRIC, 'Subscription lookups answered by the cache');
    else this.metrics.count(MISSES_METRIC, 'Subscription lookups that read PostgreSQL');
    return read;
  }

  /**
   * After a write to PostgreSQL. If the cache cannot drop the entry (Redis down), the write still
   * stands and the admin's request succeeds; the cache may then answer the old row until the entry
   * expires, at most SUBSCRIPTION_CACHE_TTL_SECONDS later. That bound is the price of failing
   * open; it is logged so an operator knows which user was affected.
   */
  private async invalidate(userId: string): Promise<void> {
    try {
      await this.cache.invalidate(userId);
    } catch (error) {
      this.logger.error(
        `Could not drop the cached subscription of ${userId}: it may be stale for up to ${this.config.subscriptionCacheTtlSeconds} s (${reason(error)})`,
      );
    }
  }
}
