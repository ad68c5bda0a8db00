import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RATE_LIMIT_SYNC_MS, RedisClient, RedisThrottlerStorage } from '@maas/core';

const MINUTE_MS = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Long enough for any window to be stale, so its next request exchanges with Redis first. */
const STALE = 2 * RATE_LIMIT_SYNC_MS + 20;

/** The rate-limit counters of several instances (one storage each) sharing one Redis. */
describe('rate-limit counters shared through Redis', () => {
  if (process.env.MAAS_TEST_REDIS_SKIP) {
    it.todo(`skipped: ${process.env.MAAS_TEST_REDIS_SKIP}`);
    return;
  }
  let redis: Redis;
  const storages: RedisThrottlerStorage[] = [];
  const instance = (client: RedisClient = redis) => {
    const storage = new RedisThrottlerStorage(client);
    storages.push(storage);
    return storage;
  };
  const key = () => `test:${randomBytes(6).toString('hex')}`;

  beforeAll(() => {
    redis = new Redis(process.env.REDIS_URL as string);
  });
  afterAll(async () => {
    await Promise.all(storages.map((storage) => storage.beforeApplicationShutdown()));
    redis.disconnect();
  });

  it('count one instance exactly, even for a burst that opens the window', async () => {
    const storage = instance();
    const k = key();
    const records = await Promise.all(Array.from({ length: 200 }, () => storage.increment(k, MINUTE_MS, 50)));
    expect(records.map((r) => r.totalHits).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(records.filter((r) => !r.isBlocked)).toHaveLength(50);
    expect(records.every((r) => r.timeToExpire > 0 && r.timeToExpire <= 60)).toBe(true);
    await storage.sync();
    expect(Number(await redis.get(`rl:${k}`))).toBe(200);
  });

  it('make every instance see the others\' hits within the sync interval', async () => {
    const [first, second] = [instance(), instance()];
    const k = key();
    await Promise.all(Array.from({ length: 30 }, () => first.increment(k, MINUTE_MS, 50)));
    await sleep(STALE);
    // The second instance opens its window from the shared count: 30 hits already.
    const seconds = await Promise.all(Array.from({ length: 21 }, () => second.increment(k, MINUTE_MS, 50)));
    expect(seconds.map((r) => r.totalHits).sort((a, b) => a - b)).toEqual(Array.from({ length: 21 }, (_, i) => 31 + i));
    expect(seconds.filter((r) => r.isBlocked)).toHaveLength(1);
    await sleep(STALE);
    expect(await first.increment(k, MINUTE_MS, 50)).toMatchObject({ totalHits: 52, isBlocked: true });
    expect(Number(await redis.get(`rl:${k}`))).toBe(52);
  });

  it('limit each instance by its own count while Redis is down, and send the hits once it is back', async () => {
    let down = true;
    // The Redis port failing, then answering again.
    const flaky = {
      evalsha: (...args: Parameters<Redis['evalsha']>) => (down ? Promise.reject(new Error('connection lost')) : redis.evalsha(...args)),
      eval: (...args: Parameters<Redis['eval']>) => (down ? Promise.reject(new Error('connection lost')) : redis.eval(...args)),
    } as unknown as RedisClient;
    const storage = instance(flaky);
    const k = key();
    const blocked: boolean[] = [];
    for (let i = 0; i < 5; i++) blocked.push((await storage.increment(k, MINUTE_MS, 3)).isBlocked);
    expect(blocked).toEqual([false, false, false, true, true]);

    down = false;
    await storage.sync();
    expect(Number(await redis.get(`rl:${k}`))).toBe(5);
    expect(await redis.pttl(`rl:${k}`)).toBeGreaterThan(0);
  });

  it('start a new window when the old one ends', async () => {
    const storage = instance();
    const k = key();
    expect((await storage.increment(k, 300, 1)).isBlocked).toBe(false);
    expect((await storage.increment(k, 300, 1)).isBlocked).toBe(true);
    await sleep(350);
    expect(await storage.increment(k, 300, 1)).toMatchObject({ totalHits: 1, isBlocked: false });
  });
});
