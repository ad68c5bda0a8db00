import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, Breakers, InjectRedis, LuaScript, Metrics, RedisClient, RuntimeConfig } from '@maas/core';
import { decodeSubscription, encodeSubscription, UNREADABLE } from './cached-subscription';
import { Subscription } from './subscription';
import { CacheRead, reason, SubscriptionCache } from './subscription-cache';

/** The only place that knows the cache's Redis keys: one per user. */
export function subscriptionKey(userId: string): string {
  return `subscription:${userId}`;
}

/** A key holding this prefix is being filled by one reader (see read()). */
const LEASE_PREFIX = 'lease:';
/** Longer than a lookup in PostgreSQL can take (its connect and statement timeouts); a later fill is dropped. */
const LEASE_MS = 5000;
/** Redis failures are counted every time, but logged at most this often. */
const WARN_EVERY_MS = 5000;

export const CACHE_ERRORS_METRIC = 'maas_subscription_cache_errors_total';
const CACHE_ERRORS_HELP = 'Subscription cache (Redis) commands that failed; the lookups went to PostgreSQL';

/** Stores the value only if the key still holds the caller's lease: an invalidation deleted it otherwise. */
const FILL = new LuaScript<'OK' | null>(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
return false
`);

/**
 * With Redis: `subscription:<userId>` holds the subscription as JSON, or `none` when the user has
 * none, with EX = SUBSCRIPTION_CACHE_TTL_SECONDS; Redis drops entries when they expire. Every
 * command goes through the redis breaker.
 *
 * Fails OPEN: a Redis error (down, frozen past the command timeout, breaker open) is counted in
 * maas_subscription_cache_errors_total, logged at most every few seconds, and the lookup is
 * answered from PostgreSQL without caching. Once Redis answers again, caching resumes by itself.
 */
@Injectable()
export class RedisSubscriptionCache extends SubscriptionCache {
  private readonly logger = new Logger('SubscriptionCache');
  private readonly ttlSeconds: number;
  private lastWarningAt = -Infinity;
  private unreported = 0;

  constructor(
    @InjectRedis() private readonly redis: RedisClient,
    private readonly breakers: Breakers,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) config: RuntimeConfig,
  ) {
    super();
    this.ttlSeconds = config.subscriptionCacheTtlSeconds;
  }

  async read(userId: string, load: () => Promise<Subscription | undefined>): Promise<CacheRead> {
    const key = subscriptionKey(userId);
    let held: string | null;
    try {
      held = await this.breakers.run('redis', () => this.redis.get(key));
    } catch (error) {
      this.failed('read', error);
      return { subscription: await load(), cached: false };
    }
    if (held !== null && !held.startsWith(LEASE_PREFIX)) {
      const decoded = decodeSubscription(userId, held);
      if (decoded !== UNREADABLE) return { subscription: decoded ?? undefined, cached: true };
    }
    // A miss. The reader that finds the key empty claims it with a lease, reads PostgreSQL, and
    // stores its answer only if its lease is still there. An invalidation deletes the lease, so a
    // row read before an admin's write is never cached after that write's invalidation. Readers
    // that find another's lease (or an unreadable value, left to expire) just read PostgreSQL.
    const lease = held === null ? await this.claim(key) : undefined;
    const subscription = await load();
    if (lease) await this.fill(key, lease, subscription);
    return { subscription, cached: false };
  }

  async invalidate(userId: string): Promise<void> {
    try {
      await this.breakers.run('redis', () => this.redis.del(subscriptionKey(userId)));
    } catch (error) {
      this.metrics.count(CACHE_ERRORS_METRIC, CACHE_ERRORS_HELP);
      throw error;
    }
  }

  async has(userId: string): Promise<boolean> {
    try {
      const held = await this.breakers.run('redis', () => this.redis.get(subscriptionKey(userId)));
      return held !== null && !held.startsWith(LEASE_PREFIX) && decodeSubscription(userId, held) !== UNREADABLE;
    } catch (error) {
      this.failed('read', error);
      return false;
    }
  }

  private async claim(key: string): Promise<string | undefined> {
    const lease = `${LEASE_PREFIX}${randomUUID()}`;
    try {
      const claimed = await this.breakers.run('redis', () => this.redis.set(key, lease, 'PX', LEASE_MS, 'NX'));
      return claimed === 'OK' ? lease : undefined;
    } catch (error) {
      this.failed('write', error);
      return undefined;
    }
  }

  /** A failed fill is dropped: the next lookup reads PostgreSQL again. */
  private async fill(key: string, lease: string, subscription: Subscription | undefined): Promise<void> {
    try {
      await this.breakers.run('redis', () => FILL.run(this.redis, [key], [lease, encodeSubscription(subscription), this.ttlSeconds]));
    } catch (error) {
      this.failed('write', error);
    }
  }

  private failed(action: 'read' | 'write', error: unknown): void {
    this.metrics.count(CACHE_ERRORS_METRIC, CACHE_ERRORS_HELP);
    const now = Date.now();
    if (now - this.lastWarningAt < WARN_EVERY_MS) {
      this.unreported++;
      return;
    }
    const more = this.unreported > 0 ? ` (and ${this.unreported} more failures since the last warning)` : '';
    this.logger.warn(`Subscription cache ${action} failed, answering from PostgreSQL: ${reason(error)}${more}`);
    this.lastWarningAt = now;
    this.unreported = 0;
  }
}
