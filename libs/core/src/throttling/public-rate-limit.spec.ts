import { PublicRateLimiter } from './public-rate-limit';

describe('PublicRateLimiter', () => {
  let now = 1_000_000;
  let limiter: PublicRateLimiter;

  beforeEach(() => {
    now = 1_000_000;
    limiter = new PublicRateLimiter(3, () => now);
  });
  afterEach(() => limiter.stop());

  it('admits exactly the limit per address per minute, then answers the seconds left in its window', () => {
    expect([1, 2, 3, 4, 5].map(() => limiter.hit('203.0.113.1'))).toEqual([0, 0, 0, 60, 60]);
    // Another address has a budget of its own.
    expect(limiter.hit('203.0.113.2')).toBe(0);
    now += 45_200;
    expect(limiter.hit('203.0.113.1')).toBe(15);
    now += 14_700;
    expect(limiter.hit('203.0.113.1')).toBe(1);
    // The window opened at the first hit ends a minute later: a full budget again.
    now += 100;
    expect([1, 2, 3, 4].map(() => limiter.hit('203.0.113.1'))).toEqual([0, 0, 0, 60]);
  });

  it('forgets the addresses whose window has ended', () => {
    for (let i = 0; i < 100; i++) limiter.hit(`198.51.100.${i}`);
    now += 30_000;
    limiter.hit('2001:db8::1');
    now += 30_000;
    limiter.sweep();
    expect(limiter.tracked).toBe(1);
    now += 30_000;
    limiter.sweep();
    expect(limiter.tracked).toBe(0);
  });
});
