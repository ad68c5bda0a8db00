import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, RuntimeConfig } from '@maas/core';
import { LruCache } from './lru-cache';
import { Subscription } from './subscription';
import { CacheRead, SubscriptionCache } from './subscription-cache';

export type MemoryCacheSettings = Pick<RuntimeConfig, 'subscriptionCacheMaxEntries' | 'subscriptionCacheTtlSeconds'>;

/**
 * Without Redis: an LRU in this process, at most SUBSCRIPTION_CACHE_MAX_ENTRIES users (the least
 * recently used is evicted first), each for SUBSCRIPTION_CACHE_TTL_SECONDS. It cannot fail.
 * It is per instance: an admin change made through another instance reaches this one when its
 * entry expires (within the TTL). Several instances want Redis, which every instance shares.
 */
@Injectable()
export class MemorySubscriptionCache extends SubscriptionCache {
  private readonly entries: LruCache<Subscription | null>;
  /** The fill in progress per user: an invalidation removes it, and that fill then stores nothing. */
  private readonly fills = new Map<string, symbol>();

  constructor(@Inject(APP_CONFIG) settings: MemoryCacheSettings) {
    super();
    this.entries = new LruCache(settings.subscriptionCacheMaxEntries, settings.subscriptionCacheTtlSeconds * 1000);
  }

  async read(userId: string, load: () => Promise<Subscription | undefined>): Promise<CacheRead> {
    const held = this.entries.get(userId);
    if (held !== undefined) return { subscription: held ?? undefined, cached: true };
    const fill = Symbol(userId);
    this.fills.set(userId, fill);
    try {
      const subscription = await load();
      if (this.fills.get(userId) === fill) this.entries.set(userId, subscription ?? null);
      return { subscription, cached: false };
    } finally {
      if (this.fills.get(userId) === fill) this.fills.delete(userId);
    }
  }

  async invalidate(userId: string): Promise<void> {
    this.fills.delete(userId);
    this.entries.delete(userId);
  }

  async has(userId: string): Promise<boolean> {
    return this.entries.has(userId);
  }
}
