import { Redis } from 'ioredis';
import { RATE_LIMIT_SYNC_MS } from '@maas/core';
import { MemeGenerator } from '@maas/memes';
import { accountKey } from '../libs/tokens/src/redis.scripts';
import { deploymentKeyPrefix, deploymentRedis } from './setup/deployment-redis';
import { json, ledgerModes, memePath, TestApi, testConfig, uniqueUser } from './setup/test-app';

describe.each(ledgerModes())('ledger behaviour, %s ledger', (mode) => {
  it('charges nothing when the meme cannot be generated', async () => {
    const api = await TestApi.start(testConfig(mode));
    try {
      const generator = api.app.get(MemeGenerator);
      jest.spyOn(generator, 'generate').mockRejectedValueOnce(new Error('renderer exploded'));
      const user = uniqueUser('refund');
      await api.credit(user, 2);

      const failed = await api.get(memePath(), api.token(user));
      expect(failed.status).toBe(500);
      const problem = await json(failed);
      expect(problem).toMatchObject({ code: 'internal_error', status: 500 });
      expect(JSON.stringify(problem)).not.toContain('renderer exploded');
      expect(problem.requestId).toEqual(failed.headers.get('x-request-id'));
      expect(await api.balance(user)).toMatchObject({ used: 0, remaining: 2 });

      expect((await api.get(memePath(), api.token(user))).status).toBe(200);
      expect(await api.balance(user)).toMatchObject({ used: 1, remaining: 1 });
    } finally {
      await api.close();
    }
  });

  it('limits each user to RATE_LIMIT_PER_MINUTE requests, with Retry-After, without charging the refused', async () => {
    const api = await TestApi.start(testConfig(mode, { RATE_LIMIT_PER_MINUTE: '5' }));
    try {
      const user = uniqueUser('limited');
      await api.credit(user, 100);
      const token = api.token(user);
      const statuses: number[] = [];
      const remaining: (string | null)[] = [];
      for (let i = 0; i < 7; i++) {
        const response = await api.get(memePath(), token);
        statuses.push(response.status);
        remaining.push(response.headers.get('x-ratelimit-remaining'));
        if (response.status === 200) {
          expect(response.headers.get('x-ratelimit-limit')).toBe('5');
          expect(Number(response.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(1);
          expect(Number(response.headers.get('x-ratelimit-reset'))).toBeLessThanOrEqual(60);
        }
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      // Counted exactly, and a refusal carries Retry-After, not the counters.
      expect(remaining).toEqual(['4', '3', '2', '1', '0', null, null]);

      const limited = await api.get(memePath(), token);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await json(limited)).toMatchObject({ code: 'rate_limited' });
      // Another user is not affected by the first one's limit.
      const other = uniqueUser('other');
      await api.credit(other, 1);
      expect((await api.get(memePath(), api.token(other))).status).toBe(200);
      // The caller is over its limit, so read its balance as an admin.
      const admin = await api.get(`/admin/users/${user}/balance`, api.token(uniqueUser('admin'), ['admin']));
      expect(await json(admin)).toMatchObject({ used: 5, remaining: 95 });
    } finally {
      await api.close();
    }
  });

  it('admits exactly RATE_LIMIT_PER_MINUTE of a concurrent burst', async () => {
    const api = await TestApi.start(testConfig(mode, { RATE_LIMIT_PER_MINUTE: '50' }));
    try {
      const user = uniqueUser('burst');
      await api.credit(user, 500);
      const token = api.token(user);
      const statuses = await Promise.all(Array.from({ length: 120 }, async () => (await api.get(memePath(), token)).status));
      expect(statuses.filter((s) => s === 200)).toHaveLength(50);
      expect(statuses.filter((s) => s === 429)).toHaveLength(70);
      const admin = await api.get(`/admin/users/${user}/balance`, api.token(uniqueUser('admin'), ['admin']));
      expect(await json(admin)).toMatchObject({ used: 50, remaining: 450 });
    } finally {
      await api.close();
    }
  });
});

describe('ledger behaviour specific to Redis', () => {
  if (process.env.MAAS_TEST_REDIS_SKIP) {
    it.todo(`Redis-only checks skipped: ${process.env.MAAS_TEST_REDIS_SKIP}`);
    return;
  }
  let api: TestApi;
  let redis: Redis;

  beforeAll(async () => {
    api = await TestApi.start(testConfig('redis'));
    redis = await deploymentRedis();
  });
  afterAll(async () => {
    redis.disconnect();
    await api.close();
  });

  it('keeps one small hash per account, under its shard hash tag', async () => {
    const user = uniqueUser('layout');
    await api.credit(user, 9);
    await api.get(memePath(), api.token(user));
    expect(accountKey(user)).toMatch(new RegExp(`^\\{m\\d+\\}:a:${user}$`));
    expect(await redis.type(accountKey(user))).toBe('hash');
    expect(await redis.hgetall(accountKey(user))).toEqual({ p: '9', u: '1', n: '1' });
    // OBJECT's key is not prefixed by ioredis.
    expect(await redis.call('OBJECT', 'ENCODING', (await deploymentKeyPrefix()) + accountKey(user))).toBe('listpack');
  });

  it('shares the rate limit across instances through Redis', async () => {
    const second = await TestApi.start(testConfig('redis', { RATE_LIMIT_PER_MINUTE: '4' }));
    const first = await TestApi.start(testConfig('redis', { RATE_LIMIT_PER_MINUTE: '4' }));
    try {
      const user = uniqueUser('shared-limit');
      await api.credit(user, 100);
      const token = api.token(user);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        // Instances learn each other's hits within the sync interval (test/rate-limit.e2e-spec.ts).
        await new Promise((resolve) => setTimeout(resolve, 2 * RATE_LIMIT_SYNC_MS + 20));
        statuses.push((await (i % 2 ? second : first).get(memePath(), token)).status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('rebuilds an account Redis lost from the purchases in PostgreSQL before charging it', async () => {
    const user = uniqueUser('lost');
    await api.credit(user, 4);
    await api.credit(user, 3);
    await redis.del(accountKey(user));
    const response = await api.get(memePath(), api.token(user));
    expect(response.status).toBe(200);
    expect(await api.balance(user)).toMatchObject({ purchased: 7, used: 1, remaining: 6 });
  });

  it('applies a purchase Redis missed when the same reference is retried', async () => {
    const user = uniqueUser('retry');
    await api.credit(user, 5, `first-${user}`);
    // Simulate a Redis that missed the second purchase: raise PostgreSQL only.
    await api.credit(user, 6, `second-${user}`);
    await redis.hset(accountKey(user), 'p', '5');
    expect(await api.balance(user)).toMatchObject({ purchased: 5 });
    const retried = await api.credit(user, 6, `second-${user}`);
    expect(retried.status).toBe(200);
    expect(await json(retried)).toMatchObject({ purchased: 11, remaining: 11 });
  });
});
