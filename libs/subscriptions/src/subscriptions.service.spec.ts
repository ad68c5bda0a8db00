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
    setPeriodEnd: jest.fn(async (_userId: string, { currentPeriodEnd }: { currentPeriodEnd: Date }) => {
      calls.push('store.setPeriodEnd');
      return { subscription: { ...subscription('active', 0), currentPeriodEnd }, created: false };
    }),
    setStatus: jest.fn(async () => {
      calls.push('store.setStatus');
      return stored;
    }),
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

  describe('put', () => {
    const writes = (store: ReturnType<typeof setUp>['store']) =>
      [store.grant, store.setPeriodEnd, store.setStatus, store.cancel].reduce((n, write) => n + write.mock.calls.length, 0);

    it.each([
      ['periodDays with currentPeriodEnd', { periodDays: 5, currentPeriodEnd: new Date(Date.now() + DAY_MS) }, 'periodDays'],
      ['an end more than 3660 days ahead', { currentPeriodEnd: new Date(Date.now() + 3661 * DAY_MS) }, 'currentPeriodEnd'],
      ['a past end that is not the current one', { currentPeriodEnd: new Date(Date.now() - DAY_MS) }, 'currentPeriodEnd'],
      ['cancelled with periodDays', { status: 'cancelled' as const, periodDays: 3 }, 'periodDays'],
      ['cancelled with another end', { status: 'cancelled' as const, currentPeriodEnd: new Date(Date.now() + 2 * DAY_MS) }, 'currentPeriodEnd'],
    ])('refuses %s with 400 on that field, writing nothing', async (_, desired, field) => {
      const { service, store } = setUp({ stored: subscription('active', DAY_MS) });
      await expect(service.put('alice', desired)).rejects.toMatchObject({ code: 'invalid_request', extensions: { errors: [{ field }] } });
      expect(writes(store)).toBe(0);
    });

    it('sets a future end through the store, then drops the cache entry', async () => {
      const { service, calls } = setUp({});
      const end = new Date(Date.now() + 7 * DAY_MS);
      expect((await service.put('alice', { currentPeriodEnd: end })).subscription.currentPeriodEnd).toBe(end.toISOString());
      expect(calls).toEqual(['store.setPeriodEnd', 'cache.invalidate']);
    });

    it('keeps an ended period sent back unchanged, setting only the status', async () => {
      const stored = subscription('active', -DAY_MS);
      const { service, store, calls } = setUp({ stored });
      await service.put('alice', { status: 'past_due', currentPeriodEnd: new Date(stored.currentPeriodEnd.getTime()) });
      expect(store.setStatus).toHaveBeenCalledWith('alice', 'past_due');
      expect(calls).toEqual(['store.setStatus', 'cache.invalidate']);
    });

    it('without an end, is a grant (periodDays defaulting to 30); cancelled is a cancellation', async () => {
      const { service, store } = setUp({ stored: subscription('active', DAY_MS) });
      await service.put('alice', { status: 'past_due' });
      expect(store.grant).toHaveBeenCalledWith('alice', { periodDays: 30, status: 'past_due' });
      expect((await service.put('alice', { status: 'cancelled' })).subscription).toMatchObject({ status: 'cancelled' });
      await expect(setUp({}).service.put('bob', { status: 'cancelled' })).rejects.toMatchObject({ code: 'subscription_not_found' });
    });
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
