import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { USAGE_STREAMS } from '../libs/tokens/src/redis.scripts';
import { RedisServerProcess } from './setup/redis-server';
import { LedgerMode, ledgerModes, TEST_SECRET, uniqueUser } from './setup/test-app';
import { Answer, API_MAIN, call, jwt, NodeProcess, sleep, waitUntil } from './setup/node-process';
import { freePort } from './setup/ports';
import { deploymentRedis } from './setup/deployment-redis';

/**
 * The ledger's crash test: SIGKILL the API while 100 requests are in flight,
 * restart it, retry every request with its Idempotency-Key. Exactly one charge per meme the user
 * can get, whatever the crash interrupted (a sale, a response on the wire, a drain batch).
 */

const REQUESTS = 100;
const CREDIT = 150;
/** The API is killed STALL_MS after this many 200s have arrived, while the rest are being served. */
const KILL_AFTER = 20;
/** How long the client stops reading just before the kill (see below). */
const STALL_MS = 10;
/**
 * A drain batch the dead process read but never acknowledged is taken over by the new one once it
 * has been idle for 5 s (CLAIM_AFTER_MS, checked every 2 s), so a full drain may take ~7 s.
 */
const DRAIN_TIMEOUT_MS = 20_000;


describe.each(ledgerModes())('a SIGKILL of the API with 100 requests in flight, %s ledger', (mode: LedgerMode) => {
  const children: NodeProcess[] = [];
  let redisServer: RedisServerProcess | undefined;
  let redis: Redis | undefined;
  let db: Client;
  let dataDir: string | undefined;

  beforeAll(async () => {
    if (!existsSync(API_MAIN)) throw new Error(`${API_MAIN} is missing: run \`npm run build\` (npm test does it first)`);
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    if (mode === 'redis') {
      // A private server: the streams and groups seen here are this test's alone.
      redisServer = new RedisServerProcess(await freePort());
      await redisServer.start();
      redis = await deploymentRedis(redisServer.url);
    }
  });

  afterAll(async () => {
    await Promise.all(children.map((child) => child.kill()));
    redis?.disconnect();
    await redisServer?.stop();
    await db?.end();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('charges exactly once per meme: every retry is answered, nothing is charged twice', async () => {
    const port = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), 'maas-crash-')); // unused with DATABASE_URL and JWT_SECRET set: kept out of the repository
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: process.env.DATABASE_URL,
      ...(redisServer ? { REDIS_URL: redisServer.url } : {}),
      JWT_SECRET: TEST_SECRET,
      RATE_LIMIT_PER_MINUTE: '0',
      DEMO_TOKENS: '0',
    };
    const start = async (): Promise<NodeProcess> => {
      const child = await NodeProcess.start(API_MAIN, env, port);
      children.push(child);
      return child;
    };

    const user = uniqueUser('crash');
    const token = jwt(user);
    const run = randomUUID().slice(0, 8);
    const requests = Array.from({ length: REQUESTS }, (_, i) => {
      const query = `crash ${run} number ${i}`;
      return { key: `crash-${run}-${i}`, query, path: `/memes?lat=48.8566&lon=2.3522&query=${encodeURIComponent(query)}` };
    });
    const getMeme = (i: number, signal?: AbortSignal): Promise<Answer> =>
      call(port, 'GET', requests[i].path, { authorization: `Bearer ${token}`, 'idempotency-key': requests[i].key }, undefined, signal);

    // 1. The first process: credit the user, then 100 concurrent memes, killed mid-flight.
    const first = await start();
    const credit = await call(
      port,
      'POST',
      `/admin/users/${encodeURIComponent(user)}/tokens`,
      { authorization: `Bearer ${jwt(uniqueUser('crash-admin'), ['admin'])}`, 'content-type': 'application/json' },
      JSON.stringify({ amount: CREDIT, reference: `crash-${run}` }),
    );
    expect({ status: credit.status, body: JSON.parse(credit.body) }).toEqual({
      status: 201,
      body: { userId: user, purchased: CREDIT, used: 0, remaining: CREDIT },
    });

    // After the KILL_AFTER-th meme the client stalls for STALL_MS while the server goes on selling,
    // then the server is killed and the client's connections die with it: answers the server wrote
    // but the client never read are lost, as on a real network, so some sold memes go unanswered.
    const before: (Answer | undefined)[] = Array(REQUESTS).fill(undefined);
    const connections = new AbortController();
    setMaxListeners(REQUESTS + 10, connections.signal); // one listener per in-flight request
    let ok = 0;
    await Promise.all(
      requests.map((_, i) =>
        getMeme(i, connections.signal).then(
          (answer) => {
            before[i] = answer;
            if (answer.status === 200 && ++ok === KILL_AFTER) {
              Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, STALL_MS);
              first.killNow();
              connections.abort();
            }
          },
          () => undefined, // the connection died with the process: outcome unknown
        ),
      ),
    );
    await first.kill(); // in case fewer than KILL_AFTER succeeded
    const answered = before.flatMap((answer, i) => (answer ? [i] : []));
    // Every answer that made it out is a meme; the crash must have left some requests unanswered.
    expect(answered.map((i) => before[i]?.status)).toEqual(answered.map(() => 200));
    expect(answered.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(answered.length).toBeLessThan(REQUESTS);

    // What the crash left in Redis: events not yet read, and events read by the dead consumer but not acknowledged.
    let undrained = 0;
    let pendingForDeadConsumer = 0;
    if (redis) {
      for (const stream of USAGE_STREAMS) {
        undrained += await redis.xlen(stream);
        const pending = (await redis.xpending(stream, 'ledger').catch(() => [0])) as [number, ...unknown[]];
        pendingForDeadConsumer += Number(pending[0]);
      }
    }

    // 2. Restart on the same port and configuration; retry every request with its key.
    await start();
    const after = await Promise.all(requests.map((_, i) => getMeme(i)));
    const replayedUnknown = requests.filter((_, i) => !before[i] && after[i].headers['idempotent-replayed'] === 'true').length;
    process.stdout.write(
      `[crash test] ${mode}: ${answered.length} of ${REQUESTS} answered before SIGKILL; of the ${REQUESTS - answered.length} ` +
        `unanswered, ${replayedUnknown} had been sold (replayed on retry), ${REQUESTS - answered.length - replayedUnknown} had not` +
        (redis ? `; at the crash ${undrained} usage events were in Redis, ${pendingForDeadConsumer} read but unacknowledged` : '') +
        '\n',
    );
    expect(after.map((answer) => answer.status)).toEqual(Array(REQUESTS).fill(200));
    const memes = after.map((answer) => JSON.parse(answer.body) as { id: string; userId: string; query: string; meme: string });
    expect(memes.map((meme) => [meme.userId, meme.query])).toEqual(requests.map((r) => [user, r.query]));
    for (const i of answered) {
      // A meme already delivered is delivered again, byte for byte, and flagged as a replay.
      expect({ i, replayed: after[i].headers['idempotent-replayed'], body: after[i].body }).toEqual({
        i,
        replayed: 'true',
        body: before[i]?.body,
      });
    }

    // 3. Once the drain has moved every usage event to PostgreSQL, the books must match the memes exactly.
    if (redis) {
      const streams = redis;
      await waitUntil(
        'the usage streams to drain into PostgreSQL',
        async () => (await Promise.all(USAGE_STREAMS.map((stream) => streams.xlen(stream)))).every((length) => length === 0),
        DRAIN_TIMEOUT_MS,
      );
    }
    const memeIds = memes.map((meme) => meme.id);
    expect(new Set(memeIds).size).toBe(REQUESTS);

    const balance = await call(port, 'GET', '/tokens/balance', { authorization: `Bearer ${token}` });
    expect({ status: balance.status, body: JSON.parse(balance.body) }).toEqual({
      status: 200,
      body: { userId: user, purchased: CREDIT, used: REQUESTS, remaining: CREDIT - REQUESTS },
    });
    const { rows: accounts } = await db.query('SELECT purchased::int, used::int FROM accounts WHERE user_id = $1', [user]);
    expect(accounts).toEqual([{ purchased: CREDIT, used: REQUESTS }]);

    const { rows: events } = await db.query<{ id: string; kind: string; amount: number; meme: string | null }>(
      `SELECT id, kind, amount, content->>'meme' AS meme FROM usage_events WHERE user_id = $1`,
      [user],
    );
    const charged = events.filter((event) => event.kind === 'charge');
    expect(events.filter((event) => event.kind !== 'charge')).toEqual([]);
    expect(charged).toHaveLength(REQUESTS);
    expect(charged.every((event) => event.amount === 1)).toBe(true);
    expect(new Set(charged.map((event) => event.id)).size).toBe(charged.length);
    expect(charged.map((event) => event.id).sort()).toEqual([...memeIds].sort());
    // Each charge carries the very meme the user got for it.
    const memeById = new Map(memes.map((meme) => [meme.id, meme.meme]));
    expect(charged.filter((event) => event.meme !== memeById.get(event.id))).toEqual([]);
  }, 120_000);
});

describe.each(ledgerModes())('a SIGTERM of the API under load, %s ledger', (mode: LedgerMode) => {
  let redisServer: RedisServerProcess | undefined;
  let db: Client;
  let api: NodeProcess | undefined;

  beforeAll(async () => {
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    if (mode === 'redis') {
      redisServer = new RedisServerProcess(await freePort());
      await redisServer.start();
    }
  });

  afterAll(async () => {
    await api?.kill();
    await redisServer?.stop();
    await db?.end();
  });

  it('turns unready, finishes what it accepted, moves every usage event to PostgreSQL, and exits 0', async () => {
    const port = await freePort();
    api = await NodeProcess.start(
      API_MAIN,
      {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: process.env.DATABASE_URL,
        ...(redisServer ? { REDIS_URL: redisServer.url } : {}),
        JWT_SECRET: TEST_SECRET,
        RATE_LIMIT_PER_MINUTE: '0',
        DEMO_TOKENS: '0',
        SHUTDOWN_GRACE_MS: '1000',
      },
      port,
    );
    const user = uniqueUser('drain');
    const admin = { authorization: `Bearer ${jwt(uniqueUser('admin'), ['admin'])}`, 'content-type': 'application/json' };
    expect((await call(port, 'POST', `/admin/users/${user}/tokens`, admin, JSON.stringify({ amount: 100_000, reference: `ref-${user}` }))).status).toBe(201);

    // 20 clients buying memes until the server is gone.
    const statuses: number[] = [];
    const refused: string[] = [];
    let running = true;
    const clients = Array.from({ length: 20 }, async (_, c) => {
      for (let i = 0; running; i++) {
        try {
          statuses.push((await call(port, 'GET', `/memes?lat=1&lon=1&query=client%20${c}%20${i}`, { authorization: `Bearer ${jwt(user)}` })).status);
        } catch (error) {
          refused.push((error as NodeJS.ErrnoException).code ?? (error as Error).message);
          await sleep(20);
        }
      }
    });
    await sleep(300);
    const exited = api.terminate();
    await sleep(300);
    // In the grace period: unready for the load balancer, still serving what arrives.
    expect((await call(port, 'GET', '/health/ready', {})).status).toBe(503);
    expect((await call(port, 'GET', '/memes?lat=1&lon=1&query=late', { authorization: `Bearer ${jwt(user)}` })).status).toBe(200);
    expect(await exited).toBe(0);
    running = false;
    await Promise.all(clients);

    // While closing, Fastify answers what it has not started with 503 (retry, nothing charged);
    // afterwards connections are refused or reset before any request is read.
    expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
    expect(refused.every((code) => ['ECONNREFUSED', 'ECONNRESET'].includes(code))).toBe(true);
    // Exactly the memes answered were charged (none charged and cut off), and every usage event
    // reached PostgreSQL before the process exited: nothing is left behind in Redis.
    const sold = statuses.filter((status) => status === 200).length + 1;
    const [account] = (await db.query('SELECT used::int FROM accounts WHERE user_id = $1', [user])).rows;
    expect(account.used).toBe(sold);
    expect(api.output).toContain('"msg":"Closed"'); // the last line of an orderly shutdown
  }, 60_000);
});
