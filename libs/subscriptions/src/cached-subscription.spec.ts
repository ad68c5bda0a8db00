import { decodeSubscription, encodeSubscription, NO_SUBSCRIPTION, UNREADABLE } from './cached-subscription';
import { Subscription } from './subscription';

const subscription: Subscription = {
  userId: 'alice',
  plan: 'premium',
  status: 'past_due',
  currentPeriodStart: new Date('2026-01-01T00:00:00.123Z'),
  currentPeriodEnd: new Date('2026-01-31T00:00:00.456Z'),
  createdAt: new Date('2025-12-01T10:00:00.000Z'),
  updatedAt: new Date('2026-01-02T11:00:00.000Z'),
};

describe('the cached form of a subscription', () => {
  it('round-trips, the user id coming from the key', () => {
    const value = encodeSubscription(subscription);
    expect(JSON.parse(value)).not.toHaveProperty('userId');
    expect(decodeSubscription('alice', value)).toEqual(subscription);
  });

  it('caches an absence as "none"', () => {
    expect(encodeSubscription(undefined)).toBe(NO_SUBSCRIPTION);
    expect(decodeSubscription('alice', 'none')).toBeNull();
  });

  it.each([
    ['not JSON', '{'],
    ['not an object', '42'],
    ['null', 'null'],
    ['an unknown status', encodeSubscription(subscription).replace('past_due', 'paused')],
    ['an unknown plan', encodeSubscription(subscription).replace('premium', 'gold')],
    ['a bad date', encodeSubscription(subscription).replace('2026-01-31T00:00:00.456Z', 'soon')],
    ['a missing field', JSON.stringify({ plan: 'premium', status: 'active' })],
  ])('treats %s as unreadable (a miss)', (_, value) => {
    expect(decodeSubscription('alice', value)).toBe(UNREADABLE);
  });
});
