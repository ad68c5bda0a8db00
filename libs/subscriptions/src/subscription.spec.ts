import { isPremiumAt, Subscription, viewOf } from './subscription';

const start = new Date('2026-01-01T00:00:00.000Z');
const end = new Date('2026-01-31T00:00:00.000Z');
const subscription = (status: Subscription['status']): Subscription => ({
  userId: 'alice',
  plan: 'premium',
  status,
  currentPeriodStart: start,
  currentPeriodEnd: end,
  createdAt: start,
  updatedAt: start,
});

describe('isPremiumAt', () => {
  it('is premium while active and the period has not ended', () => {
    expect(isPremiumAt(subscription('active'), end.getTime() - 1)).toBe(true);
    expect(isPremiumAt(subscription('active'), end.getTime())).toBe(false);
    expect(isPremiumAt(subscription('active'), end.getTime() + 1)).toBe(false);
  });

  it.each(['cancelled', 'past_due'] as const)('is never premium when %s', (status) => {
    expect(isPremiumAt(subscription(status), start.getTime())).toBe(false);
  });
});

describe('viewOf', () => {
  it('renders dates as ISO 8601 and premium as of now', () => {
    expect(viewOf(subscription('active'), start.getTime())).toEqual({
      userId: 'alice',
      plan: 'premium',
      status: 'active',
      currentPeriodStart: '2026-01-01T00:00:00.000Z',
      currentPeriodEnd: '2026-01-31T00:00:00.000Z',
      premium: true,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(viewOf(subscription('active'), end.getTime()).premium).toBe(false);
  });
});
