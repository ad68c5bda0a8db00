import { Logger } from '@nestjs/common';
import { AppError, Metrics, RuntimeConfig } from '@maas/core';
import { Subscription } from './subscription';
import { CacheRead, SubscriptionCache } from './subscription-cache';
import { SubscriptionStore } from './subscription-store';
import { NOT_PREMIUM_REMEMBERED_MS, Subscriptions } from './subscriptions.service';

const DAY_MS = 24 * 3600 * 1000;

function subscription(status: Subscription['status'], endsInMs: number): Subscription {
  const now = Date.now();
  return {
    userId: 'alice',
    plan: 'premium',
    status,
    currentPeriodStart: new Date(now - DAY_MS),
    currentPeriodEnd: new Date(now + endsInMs),
    createdAt: new Date(now - DAY_MS),
    updatedAt: new Date(now - DAY_MS),
  };
}

/** The store and the cache replaced at their ports; `calls` records the order of writes and invalidations. */
function setUp({ stored, invalidation = 'ok' }: { stored?: Subscription; invalidation?: 'ok' | 'fails' }) {
  const calls: string[] = [];
  const store = {
    find: jest.fn(async (): Promise<Subscription | undefined> => stored),
    grant: jest.fn(async () => {
      calls.push('store.grant');
      return { subscription: subscription('active', 30 * DAY_MS), created: true };
    }),
    cancel: jest.fn(async () => {
      calls.push('store.cancel');
      return stored && { ...stored, status: 'cancelled' as const };
    }),
    list: jest.fn(async () => ({ items: [], total: 0 })),
  };
  const cache: SubscriptionCache = {
    read: async (_userId: string, load: () => Promise<Subscription | undefined>): Promise<CacheRead> => ({ subscription: await load(), cached: false }),
    invalidate: async () => {
      calls.push('cache.invalidate');
      if (invalidation === 'fails') throw AppError.unavailable('The token ledger is unavailable.', 2, new Error('Connection is closed.'));
    },
    has: async () => false,
  };
  const config = { subscriptionCacheTtlSeconds: 60, subscriptionCacheMaxEntries: 100 } as RuntimeConfig;
  const service = new Subscriptions(store as unknown as SubscriptionStore, cache, new Metrics(), config);
  return { service, store, calls };
}

describe('Subscriptions', () => {
  it.each([
    ['active, period running', subscription('active', DAY_MS), true],
    ['active, period over', subscription('active', -1), false],
    ['past_due', subscription('past_due', DAY_MS), false],
    ['cancelled', subscription('cancelled', DAY_MS), false],
    ['none', undefined, false],
  ])('isPremium: %s → %s', async (_, stored, premium) => {
    expect(await setUp({ stored }).service.isPremium('alice')).toBe(premium);
  });

  it('remembers a "no" in process, never a "yes", and forgets the "no" when this instance grants', async () => {
    const { service, store } = setUp({});
    expect(await service.isPremium('alice')).toBe(false);
    expect(await service.isPremium('alice')).toBe(false);
    expect(store.find).toHaveBeenCalledTimes(1);
    await service.grant('alice');
    store.find.mockResolvedValue(subscription('active', DAY_MS));
    expect(await service.isPremium('alice')).toBe(true);
    expect(await service.isPremium('alice')).toBe(true);
    expect(store.find).toHaveBeenCalledTimes(3);
  });

  it('forgets a remembered "no" after NOT_PREMIUM_REMEMBERED_MS', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const { service, store } = setUp({});
      await service.isPremium('alice');
      store.find.mockResolvedValue(subscription('active', DAY_MS));
      jest.advanceTimersByTime(NOT_PREMIUM_REMEMBERED_MS - 1);
      expect(await service.isPremium('alice')).toBe(false);
      jest.advanceTimersByTime(2);
      expect(await service.isPremium('alice')).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });

  it('writes PostgreSQL first, then drops the cache entry', async () => {
    const { service, calls } = setUp({ stored: subscription('active', DAY_MS) });
    await service.grant('alice');
    await service.cancel('alice');
    expect(calls).toEqual(['store.grant', 'cache.invalidate', 'store.cancel', 'cache.invalidate']);
  });

  it('grants 30 active days by default', async () => {
    const { service, store } = setUp({});
    await service.grant('alice');
    expect(store.grant).toHaveBeenCalledWith('alice', { periodDays: 30, status: 'active' });
  });

  it.each([0, 3661, 1.5, NaN])('refuses a period of %s days before touching PostgreSQL', async (periodDays) => {
    const { service, store } = setUp({});
    await expect(service.grant('alice', { periodDays })).rejects.toMatchObject({ code: 'invalid_request' });
    expect(store.grant).not.toHaveBeenCalled();
  });

  it('a cancellation of nobody invalidates nothing', async () => {
    const { service, calls } = setUp({});
    expect(await service.cancel('alice')).toBeUndefined();
    expect(calls).toEqual(['store.cancel']);
  });

  it('when the cache cannot be invalidated, the write stands and the failure is logged with its bound', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const { service } = setUp({ stored: subscription('active', DAY_MS), invalidation: 'fails' });
      expect(await service.cancel('alice')).toMatchObject({ status: 'cancelled', premium: false });
      expect(errors).toHaveBeenCalledWith(expect.stringMatching(/alice.*stale for up to 60 s \(Connection is closed\.\)/));
    } finally {
      errors.mockRestore();
    }
  });
});
