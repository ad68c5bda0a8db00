import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { ADMIN_ROLE, Metrics, migrate, REDIS, RedisClient } from '@maas/core';
import { CACHE_ERRORS_METRIC, SubscriptionCache, subscriptionKey, Subscriptions, SubscriptionView } from '@maas/subscriptions';
import { freePort } from './setup/ports';
import { RedisServerProcess } from './setup/redis-server';
import { Json, LedgerMode, ledgerModes, redisSkipReason, TestApi, testConfig, uniqueUser, waitFor } from './setup/test-app';

/**
 * Subscriptions end to end against real PostgreSQL, with the cache each deployment gets: Redis
 * (standalone and cluster) or the in-process LRU. The query counter
 * (maas_subscription_queries_total) is what proves a cache hit runs no SQL.
 */

const DAY_MS = 24 * 3600 * 1000;
const QUERIES = 'maas_subscription_queries_total';

interface Answer {
  readonly status: number;
  readonly body: Json;
}

async function call(api: TestApi, method: 'GET' | 'PUT' | 'DELETE', url: string, token?: string, payload?: object): Promise<Answer> {
  const response = await api.app.inject({
    method,
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(payload === undefined ? {} : { payload }),
  });
  return { status: response.statusCode, body: response.body ? (response.json() as Json) : {} };
}

/** These apps need no background worker: without it none of them takes other suites' meme jobs. */
function config(mode: LedgerMode, env: Record<string, string> = {}) {
  return testConfig(mode, { WORKER_IN_PROCESS: 'false', ...env });
}

function adminToken(api: TestApi): string {
  return api.token(uniqueUser('admin'), [ADMIN_ROLE]);
}

function metric(api: TestApi, name: string): number {
  return api.app.get(Metrics).value(name) ?? 0;
}

/** Runs `work` and says how many SQL statements the subscriptions store ran meanwhile. */
async function counted<T>(api: TestApi, work: () => Promise<T>): Promise<{ result: T; queries: number }> {
  const before = metric(api, QUERIES);
  const result = await work();
  return { result, queries: metric(api, QUERIES) - before };
}

function grant(api: TestApi, userId: string, body: object = {}): Promise<Answer> {
  return call(api, 'PUT', `/admin/subscriptions/${userId}`, adminToken(api), body);
}

/** migrate() reports each migration it applies; the other suites' global set-up already said so. */
function quietLogger(): Logger {
  return Object.assign(new Logger('Migrations'), { log: () => undefined });
}

function time(iso: string): number {
  return new Date(iso).getTime();
}

describe.each(ledgerModes({ cluster: true }))('subscriptions, %s cache', (mode: LedgerMode) => {
  let api: TestApi;
  let subscriptions: Subscriptions;
  let db: Client;

  beforeAll(async () => {
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    api = await TestApi.start(config(mode));
    subscriptions = api.app.get(Subscriptions);
  });

  afterAll(async () => {
    await api?.close();
    await db?.end();
  });

  it('a miss runs exactly one query; hits, from the service and both routes, run none', async () => {
    const user = uniqueUser('sub-hit');
    expect((await grant(api, user)).status).toBe(201);

    const miss = await counted(api, () => subscriptions.find(user));
    expect(miss.queries).toBe(1);
    expect(miss.result).toMatchObject({ userId: user, plan: 'premium', status: 'active', premium: true });

    const hit = await counted(api, () => subscriptions.find(user));
    expect(hit).toEqual({ result: miss.result, queries: 0 });
    expect(await counted(api, () => subscriptions.isPremium(user))).toEqual({ result: true, queries: 0 });
    const mine = await counted(api, () => call(api, 'GET', '/subscriptions/me', api.token(user)));
    expect(mine).toEqual({ result: { status: 200, body: miss.result }, queries: 0 });
    const admin = await counted(api, () => call(api, 'GET', `/admin/subscriptions/${user}`, adminToken(api)));
    expect(admin).toEqual({ result: { status: 200, body: { ...miss.result, cached: true } }, queries: 0 });
  });

  it('the admin view says whether the cache held the subscription before the request', async () => {
    const user = uniqueUser('sub-cached');
    await grant(api, user);
    const first = await counted(api, () => call(api, 'GET', `/admin/subscriptions/${user}`, adminToken(api)));
    expect(first).toMatchObject({ result: { status: 200, body: { userId: user, cached: false } }, queries: 1 });
    const second = await counted(api, () => call(api, 'GET', `/admin/subscriptions/${user}`, adminToken(api)));
    expect(second).toMatchObject({ result: { status: 200, body: { userId: user, cached: true } }, queries: 0 });
  });

  it('caches the absence of a subscription too', async () => {
    const user = uniqueUser('sub-none');
    expect(await counted(api, () => subscriptions.find(user))).toEqual({ result: undefined, queries: 1 });
    expect(await counted(api, () => subscriptions.find(user))).toEqual({ result: undefined, queries: 0 });
    expect(await counted(api, () => subscriptions.isPremium(user))).toEqual({ result: false, queries: 0 });
    const mine = await counted(api, () => call(api, 'GET', '/subscriptions/me', api.token(user)));
    expect(mine.queries).toBe(0);
    expect(mine.result).toMatchObject({ status: 404, body: { code: 'subscription_not_found' } });
    expect(await counted(api, () => call(api, 'GET', `/admin/subscriptions/${user}`, adminToken(api)))).toMatchObject({
      result: { status: 404, body: { code: 'subscription_not_found' } },
      queries: 0,
    });
  });

  it('a grant replaces a cached absence at once', async () => {
    const user = uniqueUser('sub-grant');
    expect(await subscriptions.find(user)).toBeUndefined();
    expect(await subscriptions.isPremium(user)).toBe(false);
    expect((await grant(api, user)).status).toBe(201);
    expect(await counted(api, () => subscriptions.isPremium(user))).toEqual({ result: true, queries: 1 });
  });

  it('a cancellation through the admin route shows on the very next lookup', async () => {
    const user = uniqueUser('sub-cancel');
    await grant(api, user);
    expect(await subscriptions.isPremium(user)).toBe(true);
    expect(await counted(api, () => subscriptions.isPremium(user))).toEqual({ result: true, queries: 0 }); // cached

    const cancelled = await call(api, 'DELETE', `/admin/subscriptions/${user}`, adminToken(api));
    expect(cancelled).toMatchObject({ status: 200, body: { userId: user, status: 'cancelled', premium: false } });

    expect(await counted(api, () => subscriptions.isPremium(user))).toEqual({ result: false, queries: 1 });
    expect(await subscriptions.find(user)).toMatchObject({ status: 'cancelled', premium: false });
    expect(await call(api, 'GET', '/subscriptions/me', api.token(user))).toMatchObject({ status: 200, body: { status: 'cancelled', premium: false } });

    // Cancelling again answers the same and changes nothing.
    const again = await call(api, 'DELETE', `/admin/subscriptions/${user}`, adminToken(api));
    expect(again).toEqual({ status: 200, body: cancelled.body });
  });

  it('a renewal moves the period end by exactly periodDays; the start stays while the period runs', async () => {
    const user = uniqueUser('sub-renew');
    const before = Date.now();
    const created = await grant(api, user, { periodDays: 30 });
    const after = Date.now();
    expect(created).toMatchObject({ status: 201, body: { userId: user, plan: 'premium', status: 'active', premium: true } });
    const start = time(created.body.currentPeriodStart);
    expect(start).toBeGreaterThanOrEqual(before - 1000);
    expect(start).toBeLessThanOrEqual(after + 1000);
    expect(time(created.body.currentPeriodEnd) - start).toBe(30 * DAY_MS);
    expect(await subscriptions.isPremium(user)).toBe(true); // now cached

    const renewed = await grant(api, user, { periodDays: 10 });
    expect(renewed).toMatchObject({ status: 200, body: { status: 'active', premium: true, createdAt: created.body.createdAt } });
    expect(renewed.body.currentPeriodStart).toBe(created.body.currentPeriodStart);
    expect(time(renewed.body.currentPeriodEnd) - time(created.body.currentPeriodEnd)).toBe(10 * DAY_MS);
    expect(await subscriptions.find(user)).toEqual(renewed.body);

    const pastDue = await grant(api, user, { status: 'past_due', periodDays: 1 });
    expect(pastDue).toMatchObject({ status: 200, body: { status: 'past_due', premium: false } });
    expect(time(pastDue.body.currentPeriodEnd) - time(renewed.body.currentPeriodEnd)).toBe(DAY_MS);
    expect(await subscriptions.isPremium(user)).toBe(false);

    const defaults = await grant(api, user);
    expect(defaults).toMatchObject({ status: 200, body: { status: 'active', premium: true } });
    expect(time(defaults.body.currentPeriodEnd) - time(pastDue.body.currentPeriodEnd)).toBe(30 * DAY_MS);
    expect(defaults.body.currentPeriodStart).toBe(created.body.currentPeriodStart);
    expect(await subscriptions.isPremium(user)).toBe(true);
  });

  it('concurrent grants to one user: exactly one creates, and every one of them extends the period', async () => {
    const user = uniqueUser('sub-concurrent');
    const answers = await Promise.all(Array.from({ length: 10 }, () => grant(api, user, { periodDays: 3 })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const final = (await subscriptions.find(user)) as SubscriptionView;
    expect(time(final.currentPeriodEnd) - time(final.currentPeriodStart)).toBe(30 * DAY_MS);
    const created = answers.find((answer) => answer.status === 201) as Answer;
    expect(final.currentPeriodStart).toBe(created.body.currentPeriodStart);
  });

  it('an ended period is not premium; renewing it starts a new period now', async () => {
    const user = uniqueUser('sub-ended');
    await grant(api, user);
    await db.query(
      `UPDATE subscriptions SET current_period_start = now() - interval '40 days', current_period_end = now() - interval '10 days' WHERE user_id = $1`,
      [user],
    );
    // The grant dropped the cache entry and nothing has read it since: this reads the changed row.
    expect(await subscriptions.find(user)).toMatchObject({ status: 'active', premium: false });
    expect(await subscriptions.isPremium(user)).toBe(false);

    const before = Date.now();
    const renewed = await grant(api, user, { periodDays: 7 });
    const after = Date.now();
    expect(renewed).toMatchObject({ status: 200, body: { status: 'active', premium: true } });
    const start = time(renewed.body.currentPeriodStart);
    expect(start).toBeGreaterThanOrEqual(before - 1000);
    expect(start).toBeLessThanOrEqual(after + 1000);
    expect(time(renewed.body.currentPeriodEnd) - start).toBe(7 * DAY_MS);
    expect(await subscriptions.isPremium(user)).toBe(true);
  });

  it('renewing a cancelled subscription restarts its period now and adds periodDays to its end', async () => {
    const user = uniqueUser('sub-revive');
    const created = await grant(api, user, { periodDays: 20 });
    await call(api, 'DELETE', `/admin/subscriptions/${user}`, adminToken(api));
    expect(await subscriptions.isPremium(user)).toBe(false);
    const before = Date.now();
    const renewed = await grant(api, user, { periodDays: 5 });
    expect(renewed).toMatchObject({ status: 200, body: { status: 'active', premium: true } });
    expect(time(renewed.body.currentPeriodStart)).toBeGreaterThanOrEqual(before - 1000);
    expect(time(renewed.body.currentPeriodEnd) - time(created.body.currentPeriodEnd)).toBe(5 * DAY_MS);
    expect(await subscriptions.isPremium(user)).toBe(true);
  });

  it('a row read before an admin write is not cached after that write invalidated the entry', async () => {
    const cache = api.app.get(SubscriptionCache);
    const user = uniqueUser('sub-race');
    for (const invalidateMeanwhile of [true, false]) {
      await cache.invalidate(user);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let loading!: () => void;
      const loadStarted = new Promise<void>((resolve) => (loading = resolve));
      const reading = cache.read(user, async () => {
        loading();
        await gate;
        return undefined; // what PostgreSQL held before the write
      });
      await loadStarted;
      if (invalidateMeanwhile) await cache.invalidate(user);
      release();
      expect(await reading).toEqual({ subscription: undefined, cached: false });
      // Without the invalidation the answer is cached as usual: the check above can fail.
      expect(await cache.has(user)).toBe(!invalidateMeanwhile);
    }
  });

  if (mode !== 'postgres') {
    it('keeps one Redis key per user, subscription:<userId>, expiring after SUBSCRIPTION_CACHE_TTL_SECONDS', async () => {
      const redis = api.app.get<RedisClient>(REDIS);
      const user = uniqueUser('sub-key');
      const nobody = uniqueUser('sub-key-none');
      await grant(api, user);
      const view = (await subscriptions.find(user)) as SubscriptionView;
      await subscriptions.find(nobody);
      const { userId: _, premium: __, ...stored } = view;
      expect(JSON.parse((await redis.get(subscriptionKey(user))) as string)).toEqual(stored);
      expect(await redis.get(subscriptionKey(nobody))).toBe('none');
      for (const key of [subscriptionKey(user), subscriptionKey(nobody)]) {
        const ttl = await redis.ttl(key);
        expect(ttl).toBeGreaterThan(55);
        expect(ttl).toBeLessThanOrEqual(60);
      }
      await call(api, 'DELETE', `/admin/subscriptions/${user}`, adminToken(api));
      expect(await redis.exists(subscriptionKey(user))).toBe(0);
    });
  }

  it('admin routes: 403 for a user who is not an admin, 401 without a token', async () => {
    const user = uniqueUser('sub-user');
    const token = api.token(user);
    const routes: ['GET' | 'PUT' | 'DELETE', string, object?][] = [
      ['GET', '/admin/subscriptions'],
      ['GET', `/admin/subscriptions/${user}`],
      ['PUT', `/admin/subscriptions/${user}`, { periodDays: 30 }],
      ['DELETE', `/admin/subscriptions/${user}`],
    ];
    for (const [method, url, body] of routes) {
      expect(await call(api, method, url, token, body)).toMatchObject({ status: 403, body: { code: 'forbidden' } });
      expect(await call(api, method, url, undefined, body)).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    }
    // Nothing was granted on the way.
    expect(await subscriptions.find(user)).toBeUndefined();
  });

  it('admin routes: 404 for a user without a subscription, 400 for a bad user id', async () => {
    const nobody = uniqueUser('sub-nobody');
    for (const method of ['GET', 'DELETE'] as const) {
      expect(await call(api, method, `/admin/subscriptions/${nobody}`, adminToken(api))).toMatchObject({
        status: 404,
        body: { code: 'subscription_not_found' },
      });
      for (const bad of ['x'.repeat(65), 'a%20b', 'a%2Fb']) {
        expect(await call(api, method, `/admin/subscriptions/${bad}`, adminToken(api))).toMatchObject({
          status: 400,
          body: { code: 'invalid_request', errors: [{ field: 'userId' }] },
        });
      }
    }
    expect(await grant(api, 'a%20b')).toMatchObject({ status: 400, body: { errors: [{ field: 'userId' }] } });
    expect(await subscriptions.find(nobody)).toBeUndefined(); // the DELETE created nothing
  });

  it('PUT validates its body: bad or unknown fields are 400 per field, an empty body takes the defaults', async () => {
    const user = uniqueUser('sub-body');
    const cases: [object, string[]][] = [
      [{ periodDays: 0 }, ['periodDays']],
      [{ periodDays: 3661 }, ['periodDays']],
      [{ periodDays: 1.5 }, ['periodDays']],
      [{ periodDays: '30' }, ['periodDays']],
      [{ status: 'cancelled', periodDays: 5 }, ['periodDays']],
      [{ status: 'paused' }, ['status']],
      [{ status: 'active', plan: 'gold' }, ['plan']],
      [{ periodDays: -1, status: 'paused' }, ['periodDays', 'status']],
    ];
    for (const [body, fields] of cases) {
      const answer = await grant(api, user, body);
      expect(answer).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
      expect([...new Set((answer.body.errors as { field: string }[]).map((error) => error.field))].sort()).toEqual(fields);
    }
    expect(await subscriptions.find(user)).toBeUndefined();

    const empty = await api.app.inject({ method: 'PUT', url: `/admin/subscriptions/${user}`, headers: { authorization: `Bearer ${adminToken(api)}` } });
    expect(empty.statusCode).toBe(201);
    const view = empty.json();
    expect(view).toMatchObject({ status: 'active', premium: true });
    expect(time(view.currentPeriodEnd) - time(view.currentPeriodStart)).toBe(30 * DAY_MS);
    expect(await grant(api, user, { periodDays: 3660 })).toMatchObject({ status: 200 });
  });

  /** The admin view of `user`'s subscription, without `cached` (which PUT answers not). */
  async function adminView(user: string): Promise<Json> {
    const { status, body } = await call(api, 'GET', `/admin/subscriptions/${user}`, adminToken(api));
    expect(status).toBe(200);
    const { cached, ...view } = body;
    expect(typeof cached).toBe('boolean');
    return view;
  }

  /** The row's period end exactly as PostgreSQL holds it (microseconds). */
  async function storedEnd(user: string): Promise<string> {
    const { rows } = await db.query(`SELECT to_char(current_period_end AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS end FROM subscriptions WHERE user_id = $1`, [user]);
    return rows[0].end;
  }

  it('PUT takes back what GET answers: active, past_due, cancelled or ended, the same body changes nothing', async () => {
    const [active, pastDue, cancelled, ended] = ['active', 'past-due', 'cancelled', 'ended'].map((name) => uniqueUser(`sub-put-${name}`));
    expect((await grant(api, active)).status).toBe(201);
    expect((await grant(api, pastDue, { status: 'past_due' })).status).toBe(201);
    expect((await grant(api, cancelled)).status).toBe(201);
    expect((await call(api, 'DELETE', `/admin/subscriptions/${cancelled}`, adminToken(api))).status).toBe(200);
    expect((await grant(api, ended)).status).toBe(201);
    await db.query(`UPDATE subscriptions SET current_period_start = now() - interval '40 days', current_period_end = now() - interval '10 days' WHERE user_id = $1`, [ended]);
    await subscriptions.find(ended); // cached, so the GET below says cached: true and PUT gets it back too

    for (const user of [active, pastDue, cancelled, ended]) {
      const raw = await call(api, 'GET', `/admin/subscriptions/${user}`, adminToken(api));
      const before = await storedEnd(user);
      const put = await grant(api, user, raw.body);
      const { cached, ...view } = raw.body;
      expect(typeof cached).toBe('boolean');
      expect(put).toEqual({ status: 200, body: view });
      expect(await adminView(user)).toEqual(view);
      expect(await storedEnd(user)).toBe(before); // microseconds and all: not rewritten at millisecond precision
      // The user's own view, sent back by an admin, is the same representation.
      const mine = await call(api, 'GET', '/subscriptions/me', api.token(user));
      expect(await grant(api, user, mine.body)).toEqual({ status: 200, body: view });
    }
    expect(await adminView(ended)).toMatchObject({ status: 'active', premium: false });
    expect(await adminView(cancelled)).toMatchObject({ status: 'cancelled', premium: false });
  });

  it('PUT with a new currentPeriodEnd sets exactly that end, earlier or later, and is seen at once', async () => {
    const user = uniqueUser('sub-put-end');
    const end = new Date(Math.floor(Date.now() / 1000) * 1000 + 10 * DAY_MS + 123).toISOString();
    const created = await grant(api, user, { plan: 'premium', currentPeriodEnd: end });
    expect(created).toMatchObject({ status: 201, body: { userId: user, plan: 'premium', status: 'active', premium: true, currentPeriodEnd: end } });
    expect(await storedEnd(user)).toBe(`${end.slice(0, 23)}000`);
    expect(await subscriptions.isPremium(user)).toBe(true);

    // The GET body back with only the end changed: earlier than before (not "the later of" as periodDays does).
    const view = await adminView(user);
    const earlier = new Date(time(end) - 3 * DAY_MS - 100).toISOString();
    const moved = await grant(api, user, { ...view, currentPeriodEnd: earlier });
    expect(moved).toMatchObject({ status: 200, body: { currentPeriodEnd: earlier, currentPeriodStart: view.currentPeriodStart, createdAt: view.createdAt } });
    expect(time(moved.body.updatedAt)).toBeGreaterThan(time(view.updatedAt));
    expect(await adminView(user)).toEqual(moved.body);

    // Another time zone names the same instant.
    const zoned = new Date(time(end) + 2 * DAY_MS);
    const inZone = new Date(zoned.getTime() + 2 * 3600 * 1000).toISOString().replace('Z', '+02:00');
    expect(await grant(api, user, { currentPeriodEnd: inZone, status: 'past_due' })).toMatchObject({
      status: 200,
      body: { currentPeriodEnd: zoned.toISOString(), status: 'past_due', premium: false },
    });
    expect(await subscriptions.isPremium(user)).toBe(false);

    // A cancelled subscription given a new end and status active: a new period, starting now.
    expect((await call(api, 'DELETE', `/admin/subscriptions/${user}`, adminToken(api))).status).toBe(200);
    const before = Date.now();
    const revived = await grant(api, user, { status: 'active', currentPeriodEnd: end });
    expect(revived).toMatchObject({ status: 200, body: { status: 'active', premium: true, currentPeriodEnd: end } });
    expect(time(revived.body.currentPeriodStart)).toBeGreaterThanOrEqual(before - 1000);
    expect(await subscriptions.isPremium(user)).toBe(true);

    // Status cancelled through PUT cancels, keeping the period.
    const cancelled = await grant(api, user, { ...(await adminView(user)), status: 'cancelled' });
    expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled', premium: false, currentPeriodEnd: end } });
    expect(await subscriptions.isPremium(user)).toBe(false);
  });

  it('PUT refuses bad periods and combinations with 400 per field, and changes nothing', async () => {
    const user = uniqueUser('sub-put-bad');
    expect((await grant(api, user, { periodDays: 10 })).status).toBe(201);
    const view = await adminView(user);
    const future = new Date(Date.now() + 5 * DAY_MS).toISOString();
    const cases: [object, string[]][] = [
      [{ periodDays: 5, currentPeriodEnd: future }, ['periodDays']],
      [{ ...view, periodDays: 5 }, ['periodDays']],
      [{ currentPeriodEnd: new Date(Date.now() - DAY_MS).toISOString() }, ['currentPeriodEnd']],
      [{ currentPeriodEnd: new Date(Date.now() + 3661 * DAY_MS).toISOString() }, ['currentPeriodEnd']],
      [{ currentPeriodEnd: '2031-02-30T00:00:00.000Z' }, ['currentPeriodEnd']],
      [{ currentPeriodEnd: '2031-01-01' }, ['currentPeriodEnd']],
      [{ currentPeriodEnd: '2031-01-01T00:00:00' }, ['currentPeriodEnd']],
      [{ currentPeriodEnd: '2031-01-01T00:00:00.123456Z' }, ['currentPeriodEnd']],
      [{ currentPeriodEnd: 1924992000000 }, ['currentPeriodEnd']],
      [{ currentPeriodEnd: 'tomorrow' }, ['currentPeriodEnd']],
      [{ ...view, plan: 'gold' }, ['plan']],
      [{ ...view, userId: 'someone-else' }, ['userId']],
      [{ ...view, premium: 'yes' }, ['premium']],
      [{ ...view, currentPeriodStart: 'yesterday' }, ['currentPeriodStart']],
      [{ ...view, status: 'cancelled', currentPeriodEnd: future }, ['currentPeriodEnd']],
      [{ ...view, owner: 'me' }, ['owner']],
    ];
    for (const [body, fields] of cases) {
      const answer = await grant(api, user, body);
      expect({ body, status: answer.status, code: answer.body.code }).toEqual({ body, status: 400, code: 'invalid_request' });
      expect({ body, fields: [...new Set((answer.body.errors as { field: string }[]).map((error) => error.field))].sort() }).toEqual({ body, fields });
    }
    expect(await adminView(user)).toEqual(view);

    // A past end is only accepted as the current one: a user without a subscription has none.
    const nobody = uniqueUser('sub-put-nobody');
    expect(await grant(api, nobody, { currentPeriodEnd: view.currentPeriodStart })).toMatchObject({ status: 400, body: { errors: [{ field: 'currentPeriodEnd' }] } });
    expect(await grant(api, nobody, { status: 'cancelled' })).toMatchObject({ status: 404, body: { code: 'subscription_not_found' } });
    expect(await subscriptions.find(nobody)).toBeUndefined();
  });

  it('BOLA: /subscriptions/me answers the caller only, whatever the request says', async () => {
    const alice = uniqueUser('sub-alice');
    const bob = uniqueUser('sub-bob');
    await grant(api, alice);
    const own = await call(api, 'GET', '/subscriptions/me', api.token(alice));
    expect(own).toMatchObject({ status: 200, body: { userId: alice } });

    for (const url of ['/subscriptions/me', `/subscriptions/me?userId=${alice}`, `/subscriptions/me?user=${alice}`]) {
      const answer = await call(api, 'GET', url, api.token(bob));
      expect(answer).toMatchObject({ status: 404, body: { code: 'subscription_not_found' } });
      expect(JSON.stringify(answer.body)).not.toContain(alice);
    }
    // No route reads another user's subscription but the admin ones.
    expect(await call(api, 'GET', `/subscriptions/${alice}`, api.token(bob))).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect(await call(api, 'GET', `/admin/subscriptions/${alice}`, api.token(bob))).toMatchObject({ status: 403 });
    expect(await call(api, 'GET', '/subscriptions/me', api.token(alice))).toEqual(own);
  });
});

describe('the in-process cache (no Redis)', () => {
  let api: TestApi;
  let subscriptions: Subscriptions;
  let cache: SubscriptionCache;

  beforeAll(async () => {
    api = await TestApi.start(config('postgres', { SUBSCRIPTION_CACHE_MAX_ENTRIES: '3', SUBSCRIPTION_CACHE_TTL_SECONDS: '1' }));
    subscriptions = api.app.get(Subscriptions);
    cache = api.app.get(SubscriptionCache);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('evicts the least recently used user beyond SUBSCRIPTION_CACHE_MAX_ENTRIES', async () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => uniqueUser(`lru-${name}`));
    await grant(api, a);
    for (const user of [a, b, c]) expect((await counted(api, () => subscriptions.find(user))).queries).toBe(1);
    expect((await counted(api, () => subscriptions.find(a))).queries).toBe(0); // a used again: b is now the oldest
    expect((await counted(api, () => subscriptions.find(d))).queries).toBe(1); // a fourth user evicts b

    expect(await Promise.all([a, b, c, d].map((user) => cache.has(user)))).toEqual([true, false, true, true]);
    expect((await counted(api, () => subscriptions.find(b))).queries).toBe(1);
    expect((await counted(api, () => subscriptions.find(a))).result).toMatchObject({ userId: a, status: 'active' });
  });

  it('forgets an entry after SUBSCRIPTION_CACHE_TTL_SECONDS', async () => {
    const user = uniqueUser('ttl');
    await grant(api, user);
    await subscriptions.find(user);
    expect((await counted(api, () => subscriptions.find(user))).queries).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await cache.has(user)).toBe(false);
    expect((await counted(api, () => subscriptions.find(user))).queries).toBe(1);
  });
});

describe('subscriptions while Redis is frozen, then dead, then back', () => {
  if (redisSkipReason) {
    it.todo(`skipped: ${redisSkipReason}`);
    return;
  }
  let server: RedisServerProcess;
  let api: TestApi;
  let subscriptions: Subscriptions;

  beforeAll(async () => {
    // A private redis-server, so the shared one other suites use is never disturbed.
    server = new RedisServerProcess(await freePort());
    await server.start();
    api = await TestApi.start(config('redis', { REDIS_URL: server.url, REDIS_COMMAND_TIMEOUT_MS: '200' }));
    subscriptions = api.app.get(Subscriptions);
  });

  afterAll(async () => {
    await api?.close();
    await server?.stop();
  });

  it('fails open to PostgreSQL with correct answers, logs rarely, and caches again once Redis is back', async () => {
    const subscriber = uniqueUser('down-sub');
    const nobody = uniqueUser('down-none');
    expect((await grant(api, subscriber)).status).toBe(201);
    await subscriptions.find(subscriber);
    expect((await counted(api, () => subscriptions.find(subscriber))).queries).toBe(0);

    server.pause();
    try {
      const errors = metric(api, CACHE_ERRORS_METRIC);
      const started = performance.now();
      expect(await counted(api, () => subscriptions.find(subscriber))).toMatchObject({ result: { status: 'active', premium: true }, queries: 1 });
      expect(await counted(api, () => subscriptions.isPremium(subscriber))).toEqual({ result: true, queries: 1 });
      expect(await counted(api, () => subscriptions.find(nobody))).toEqual({ result: undefined, queries: 1 });
      // Each lookup waits at most the command timeout (200 ms) for Redis: no hang.
      expect(performance.now() - started).toBeLessThan(2000);
      expect(metric(api, CACHE_ERRORS_METRIC) - errors).toBeGreaterThanOrEqual(3);
    } finally {
      server.resume();
    }

    await server.stop();
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      const errors = metric(api, CACHE_ERRORS_METRIC);
      for (let i = 0; i < 20; i++) {
        expect(await counted(api, () => subscriptions.isPremium(subscriber))).toEqual({ result: true, queries: 1 });
      }
      expect(metric(api, CACHE_ERRORS_METRIC) - errors).toBe(20);
      // Counted every time, logged at most once every few seconds (this burst takes well under that).
      expect(warn.mock.calls.filter(([message]) => /Subscription cache/.test(String(message))).length).toBeLessThanOrEqual(1);

      // An admin write still succeeds (PostgreSQL first); only the invalidation fails, and is logged.
      const cancelled = await call(api, 'DELETE', `/admin/subscriptions/${subscriber}`, adminToken(api));
      expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled', premium: false } });
      expect(await counted(api, () => subscriptions.isPremium(subscriber))).toEqual({ result: false, queries: 1 });
      expect(await call(api, 'GET', '/subscriptions/me', api.token(subscriber))).toMatchObject({ status: 200, body: { status: 'cancelled' } });
      expect(await call(api, 'GET', '/subscriptions/me', api.token(nobody))).toMatchObject({ status: 404, body: { code: 'subscription_not_found' } });
    } finally {
      warn.mockRestore();
    }

    await server.start();
    // The client reconnects and the breaker lets a trial call through: caching resumes by itself.
    await waitFor(async () => {
      await subscriptions.find(subscriber);
      return (await counted(api, () => subscriptions.find(subscriber))).queries === 0;
    }, 15_000);
    expect(await counted(api, () => subscriptions.find(subscriber))).toMatchObject({ result: { status: 'cancelled' }, queries: 0 });
    expect(await api.app.get(SubscriptionCache).has(subscriber)).toBe(true);
  });
});

/**
 * The list runs on a database of its own: totals and pages are then exact, whatever other suites
 * write to the shared one meanwhile.
 */
describe('GET /admin/subscriptions', () => {
  const database = `maas_subscriptions_${randomBytes(4).toString('hex')}`;
  let admin: Client;
  let api: TestApi;
  let token: string;
  /** 70 active, 30 past_due, 20 cancelled, granted in shuffled order. */
  const users = Array.from({ length: 120 }, (_, i) => `list-${String(i).padStart(3, '0')}`);
  const statusOf = (i: number) => (i % 6 === 0 ? 'cancelled' : i % 4 === 1 ? 'past_due' : 'active');
  const expected = (status?: string) => users.filter((_, i) => status === undefined || statusOf(i) === status);

  beforeAll(async () => {
    admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(process.env.DATABASE_URL as string);
    url.pathname = `/${database}`;
    await migrate({ databaseUrl: url.href, databasePoolSize: 2, databaseConnectTimeoutMs: 5000, databaseStatementTimeoutMs: 10_000 }, quietLogger());
    api = await TestApi.start(config('postgres', { DATABASE_URL: url.href, JOB_QUEUE_SCHEMA: 'jobs_list' }));
    token = adminToken(api);
    const order = users.map((user, i) => ({ user, i, key: randomBytes(4).readUInt32BE() })).sort((x, y) => x.key - y.key);
    for (const { user, i } of order) {
      const status = statusOf(i);
      expect((await grant(api, user, { status: status === 'past_due' ? 'past_due' : 'active' })).status).toBe(201);
      if (status === 'cancelled') expect((await call(api, 'DELETE', `/admin/subscriptions/${user}`, token)).status).toBe(200);
    }
  });

  afterAll(async () => {
    await api?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin?.end();
  });

  const list = (query = '') => call(api, 'GET', `/admin/subscriptions${query}`, token);
  const ids = (answer: Answer) => (answer.body.items as SubscriptionView[]).map((item) => item.userId);

  it('has the counts the set-up meant', () => {
    expect([expected('active').length, expected('past_due').length, expected('cancelled').length]).toEqual([70, 30, 20]);
  });

  it('pages of 50 in user id order, with the total; past the end, no items', async () => {
    const first = await list();
    expect(first).toMatchObject({ status: 200, body: { page: 1, pageSize: 50, total: 120 } });
    expect(ids(first)).toEqual(users.slice(0, 50));
    expect(first.body.items[0]).toEqual(await api.app.get(Subscriptions).find(users[0]));
    expect(Object.keys(first.body.items[0]).sort()).toEqual(
      ['createdAt', 'currentPeriodEnd', 'currentPeriodStart', 'plan', 'premium', 'status', 'updatedAt', 'userId'].sort(),
    );
    expect(ids(await list('?page=2'))).toEqual(users.slice(50, 100));
    const last = await list('?page=3');
    expect(last.body).toMatchObject({ page: 3, pageSize: 50, total: 120 });
    expect(ids(last)).toEqual(users.slice(100));
    expect(await list('?page=4')).toEqual({ status: 200, body: { items: [], page: 4, pageSize: 50, total: 120 } });
    expect(await list('?page=100000')).toEqual({ status: 200, body: { items: [], page: 100000, pageSize: 50, total: 120 } });
  });

  it('filters by status', async () => {
    for (const status of ['active', 'past_due', 'cancelled']) {
      const all = expected(status);
      const first = await list(`?status=${status}`);
      expect(first).toMatchObject({ status: 200, body: { page: 1, pageSize: 50, total: all.length } });
      expect(ids(first)).toEqual(all.slice(0, 50));
      expect((first.body.items as SubscriptionView[]).every((item) => item.status === status)).toBe(true);
      expect(ids(await list(`?status=${status}&page=2`))).toEqual(all.slice(50, 100));
    }
    const pastDue = await list('?status=past_due');
    expect((pastDue.body.items as SubscriptionView[]).every((item) => !item.premium)).toBe(true);
  });

  it.each([
    ['?page=0', ['page']],
    ['?page=abc', ['page']],
    ['?page=-1', ['page']],
    ['?page=1.5', ['page']],
    ['?page=100001', ['page']],
    ['?page=', ['page']],
    ['?page=1&page=2', ['page']],
    ['?status=foo', ['status']],
    ['?status=', ['status']],
    ['?pageSize=500', ['pageSize']],
    ['?page=0&status=foo&sort=desc', ['page', 'sort', 'status']],
  ])('refuses %s with 400 per field', async (query, fields) => {
    const answer = await list(query);
    expect(answer).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    expect((answer.body.errors as { field: string }[]).map((error) => error.field).sort()).toEqual(fields);
  });

  it('is in the API document', async () => {
    const document = (await call(api, 'GET', '/docs/openapi.json')).body;
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/admin/subscriptions', '/admin/subscriptions/{userId}', '/subscriptions/me']));
    expect(Object.keys(document.paths['/admin/subscriptions/{userId}']).sort()).toEqual(['delete', 'get', 'put']);
  });
});
