import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Metrics } from '@maas/core';
import { Reconciler } from '@maas/tokens';
import { accountKey, deadLetterStreamOf, usageStreamOf } from '../libs/tokens/src/redis.scripts';
import { deploymentRedis } from './setup/deployment-redis';
import { RedisServerProcess } from './setup/redis-server';
import { json, ledgerModes, memePath, TestApi, testConfig, uniqueUser, waitFor } from './setup/test-app';


/** What PostgreSQL knows of a user: the account row and the usage ledger. */
async function books(db: DataSource, user: string) {
  const [account] = await db.query('SELECT purchased::int, used::int FROM accounts WHERE user_id = $1', [user]);
  const [usage] = await db.query(
    `SELECT COUNT(*)::int AS charges, COALESCE(SUM(amount), 0)::int AS spent FROM usage_events WHERE user_id = $1 AND kind = 'charge'`,
    [user],
  );
  return { ...account, ...usage };
}

describe.each(ledgerModes())('the usage ledger in PostgreSQL, %s mode', (mode) => {
  let api: TestApi;
  let db: DataSource;

  beforeAll(async () => {
    api = await TestApi.start(testConfig(mode));
    db = api.app.get(DataSource);
  });
  afterAll(() => api.close());

  it('records every charge once, with the meme, and balances = purchases - charges', async () => {
    const user = uniqueUser('books');
    await api.credit(user, 40);
    const token = api.token(user);
    const memes = await Promise.all(Array.from({ length: 25 }, async () => json(await api.get(memePath(), token))));
    await waitFor(async () => (await books(db, user)).used === 25);

    expect(await books(db, user)).toEqual({ purchased: 40, used: 25, charges: 25, spent: 25 });
    expect(await api.balance(user)).toMatchObject({ purchased: 40, used: 25, remaining: 15 });
    const ids = await db.query('SELECT id FROM usage_events WHERE user_id = $1', [user]);
    expect(new Set(ids.map((row: { id: string }) => row.id))).toEqual(new Set(memes.map((meme) => meme.id)));
    const [stored] = await db.query('SELECT content FROM usage_events WHERE id = $1', [memes[7].id]);
    expect(stored.content).toMatchObject({ id: memes[7].id, meme: memes[7].meme, userId: user });
  });
});

describe('the Redis usage streams', () => {
  if (process.env.MAAS_TEST_REDIS_SKIP) {
    it.todo(`skipped: ${process.env.MAAS_TEST_REDIS_SKIP}`);
    return;
  }
  const server = new RedisServerProcess(6380 + Number(process.env.JEST_WORKER_ID ?? 0));
  let api: TestApi;
  let db: DataSource;

  beforeAll(async () => {
    await server.start();
    api = await TestApi.start(testConfig('redis', { REDIS_URL: server.url }));
    db = api.app.get(DataSource);
  });
  afterAll(async () => {
    await api?.close();
    await server.stop();
  });

  it('reach PostgreSQL within a second under a burst, and the lag is exported', async () => {
    const user = uniqueUser('lag');
    await api.credit(user, 500);
    const token = api.token(user);
    await Promise.all(Array.from({ length: 300 }, () => api.get(memePath(), token)));
    const done = Date.now();
    await waitFor(async () => (await books(db, user)).used === 300);
    expect(Date.now() - done).toBeLessThan(1000);
    const lag = api.app.get(Metrics).value('maas_usage_drain_lag_ms');
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(1000);
    const metrics = await (await api.get('/metrics')).text();
    expect(metrics).toMatch(/^maas_usage_drain_lag_ms \d+$/m);
  });

  it('keep a delivery mark that reaches PostgreSQL before its charge, and the earliest of repeated marks', async () => {
    const user = uniqueUser('early-mark');
    await api.credit(user, 3);
    const id = randomUUID();
    const at = Date.now();
    const content = { id, format: 'text', meme: 'top / bottom', caption: { template: 'x', top: 'top', bottom: 'bottom' }, userId: user, lat: 0, lon: 0, query: 'q', cost: 1, createdAt: new Date(at).toISOString() };
    const redis = await deploymentRedis(server.url);
    try {
      // Another worker's batch can commit the mark first; the charge follows.
      await redis.xadd(usageStreamOf(user), '*', 'kind', 'delivered', 'ids', id, 'at', at);
      await waitFor(async () => (await db.query('SELECT 1 FROM meme_deliveries WHERE meme_id = $1', [id])).length === 1);
      // The charge as the sale script makes it: the balance, then its usage event.
      await redis.hincrby(accountKey(user), 'u', 1);
      await redis.hincrby(accountKey(user), 'n', 1);
      await redis.xadd(usageStreamOf(user), '*', 'kind', 'charge', 'id', id, 'user', user, 'amount', 1, 'format', 'text', 'at', at, 'content', JSON.stringify(content));
      await waitFor(async () => (await books(db, user)).charges === 1);
      // The same meme marked again later (an Idempotency-Key replay): its first delivery stands.
      await redis.xadd(usageStreamOf(user), '*', 'kind', 'delivered', 'ids', id, 'at', at + 5000);
      await waitFor(async () => (await db.query('SELECT 1 FROM meme_deliveries WHERE meme_id = $1', [id])).length === 2);
    } finally {
      redis.disconnect();
    }

    const meme = await json(await api.get(`/memes/${id}`, api.token(user)));
    expect(meme).toMatchObject({ id, deliveredAt: new Date(at).toISOString() });
    expect(await json(await api.get('/memes/undelivered', api.token(user)))).toEqual([]);
  });

  it('are reconciled: drift is repaired from PostgreSQL, events still on their way are left alone', async () => {
    const [drifting, behind, ahead] = await Promise.all([1, 2, 3].map(async () => {
      const user = uniqueUser('drift');
      await api.credit(user, 20);
      const token = api.token(user);
      await Promise.all(Array.from({ length: 4 }, () => api.get(memePath(), token)));
      return user;
    }));
    await waitFor(async () => (await Promise.all([drifting, behind, ahead].map((u) => books(db, u)))).every((b) => b.used === 4));
    const redis = await deploymentRedis(server.url);
    try {
      await redis.hset(accountKey(drifting), 'u', '1'); // a corrupted balance, same history
      await redis.hset(accountKey(behind), 'u', '2', 'n', '2'); // an older snapshot: 2 of its 4 events
      await redis.hset(accountKey(ahead), 'u', '9', 'n', '5'); // an event PostgreSQL has not seen yet

      const report = await api.app.get(Reconciler).reconcile();
      expect(report.drifted).toBe(2);
      expect(report.repaired).toBe(2);
      expect(await redis.hgetall(accountKey(drifting))).toEqual({ p: '20', u: '4', n: '4' });
      expect(await redis.hgetall(accountKey(behind))).toEqual({ p: '20', u: '4', n: '4' });
      expect(await redis.hgetall(accountKey(ahead))).toEqual({ p: '20', u: '9', n: '5' });
      expect(api.app.get(Metrics).value('maas_reconcile_drifted_accounts')).toBe(2);
      expect(await api.balance(drifting)).toMatchObject({ used: 4, remaining: 16 });
    } finally {
      redis.disconnect();
    }
  });

  it('set aside an event PostgreSQL refuses, and keep draining the rest of its shard', async () => {
    const user = uniqueUser('poison');
    await api.credit(user, 10);
    const redis = await deploymentRedis(server.url);
    try {
      // An event no sale would write: a negative amount breaks usage_events' CHECK.
      await redis.xadd(usageStreamOf(user), '*', 'kind', 'charge', 'id', `poison-${user}`, 'user', user, 'amount', -5, 'format', 'text', 'at', Date.now());
      const token = api.token(user);
      await Promise.all(Array.from({ length: 3 }, () => api.get(memePath(), token)));
      await waitFor(async () => (await books(db, user)).used === 3);
      expect(await books(db, user)).toMatchObject({ used: 3, charges: 3 });
      const dead = await redis.xrange(deadLetterStreamOf(usageStreamOf(user)), '-', '+');
      expect(dead.map(([, fields]) => fields[fields.indexOf('id') + 1])).toEqual([`poison-${user}`]);
      expect(api.app.get(Metrics).value('maas_usage_events_dead_total')).toBe(1);
    } finally {
      redis.disconnect();
    }
  });

  it('lose nothing when Redis restarts empty: balances are rebuilt from PostgreSQL, exactly', async () => {
    const users = await Promise.all([10, 20, 30].map(async (tokens) => {
      const user = uniqueUser('restart');
      await api.credit(user, tokens);
      return user;
    }));
    for (const user of users) {
      const token = api.token(user);
      await Promise.all(Array.from({ length: 7 }, () => api.get(memePath(), token)));
    }
    await waitFor(async () => (await Promise.all(users.map((u) => books(db, u)))).every((b) => b.used === 7));
    const before = await Promise.all(users.map((u) => api.balance(u)));

    const redis = await deploymentRedis(server.url);
    await redis.flushall(); // what a restart without persistence leaves
    redis.disconnect();

    expect(await Promise.all(users.map((u) => api.balance(u)))).toEqual(before);
    // Spending goes on from the rebuilt balance: 3 tokens left for the first user, so exactly 3 sell.
    const token = api.token(users[0]);
    const statuses = await Promise.all(Array.from({ length: 10 }, async () => (await api.get(memePath(), token)).status));
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    await waitFor(async () => (await books(db, users[0])).used === 10);
    expect(await api.balance(users[0])).toMatchObject({ purchased: 10, used: 10, remaining: 0 });
  });
});
