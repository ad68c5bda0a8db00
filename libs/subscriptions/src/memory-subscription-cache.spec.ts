import { MemorySubscriptionCache } from './memory-subscription-cache';
import { Subscription } from './subscription';

const alice: Subscription = {
  userId: 'alice',
  plan: 'premium',
  status: 'active',
  currentPeriodStart: new Date('2026-01-01T00:00:00.000Z'),
  currentPeriodEnd: new Date('2026-01-31T00:00:00.000Z'),
  createdAt: new Date('2026-01-01T00:00:00.000Z'),
  updatedAt: new Date('2026-01-01T00:00:00.000Z'),
};

describe('MemorySubscriptionCache', () => {
  let cache: MemorySubscriptionCache;
  let loads: number;
  const load = (subscription: Subscription | undefined) => async () => {
    loads++;
    return subscription;
  };

  beforeEach(() => {
    cache = new MemorySubscriptionCache({ subscriptionCacheMaxEntries: 2, subscriptionCacheTtlSeconds: 60 });
    loads = 0;
  });

  it('reads through: a miss loads and caches, a hit does not load', async () => {
    expect(await cache.read('alice', load(alice))).toEqual({ subscription: alice, cached: false });
    expect(await cache.read('alice', load(alice))).toEqual({ subscription: alice, cached: true });
    expect(loads).toBe(1);
    expect(await cache.has('alice')).toBe(true);
  });

  it('caches an absence', async () => {
    expect(await cache.read('bob', load(undefined))).toEqual({ subscription: undefined, cached: false });
    expect(await cache.read('bob', load(alice))).toEqual({ subscription: undefined, cached: true });
    expect(loads).toBe(1);
  });

  it('invalidate drops the entry', async () => {
    await cache.read('alice', load(alice));
    await cache.invalidate('alice');
    expect(await cache.has('alice')).toBe(false);
    expect(await cache.read('alice', load(undefined))).toEqual({ subscription: undefined, cached: false });
  });

  it('does not cache a row read before an invalidation that came in while it loaded', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const reading = cache.read('alice', async () => {
      await gate;
      return alice;
    });
    await cache.invalidate('alice'); // an admin's write committed meanwhile
    release();
    expect(await reading).toEqual({ subscription: alice, cached: false });
    expect(await cache.has('alice')).toBe(false);
  });

  it('caches nothing when the load fails', async () => {
    const failing = () => Promise.reject(new Error('database down'));
    await expect(cache.read('alice', failing)).rejects.toThrow('database down');
    expect(await cache.has('alice')).toBe(false);
    expect(await cache.read('alice', load(alice))).toEqual({ subscription: alice, cached: false });
  });

  it('evicts the least recently used user beyond SUBSCRIPTION_CACHE_MAX_ENTRIES', async () => {
    await cache.read('a', load(undefined));
    await cache.read('b', load(undefined));
    await cache.read('a', load(undefined)); // a used again: b is the oldest
    await cache.read('c', load(undefined));
    expect([await cache.has('a'), await cache.has('b'), await cache.has('c')]).toEqual([true, false, true]);
  });
});
