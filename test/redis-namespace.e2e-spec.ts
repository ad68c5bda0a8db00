import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { migrate } from '../libs/core/src/database/migrate';
import { defaultKeyPrefix } from '../libs/core/src/redis/redis-namespace';
import { USAGE_STREAMS } from '../libs/tokens/src/redis.scripts';
import { API_MAIN, WORKER_MAIN } from './setup/node-process';
import { freePort } from './setup/ports';
import { RedisServerProcess } from './setup/redis-server';
import { memePath, redisSkipReason, TEST_SECRET, TestApi, testConfig, uniqueUser, waitFor } from './setup/test-app';

const run = promisify(execFile);

/** Memes each deployment sells; both drain at once, through one Redis. */
const SALES = 13;
/** Every fourth sale an image (3 tokens), the others text (1 token). */
const IMAGES = Math.ceil(SALES / 4);
const TOKENS_SPENT = IMAGES * 3 + (SALES - IMAGES);

/**
 * Two deployments (two databases) on one Redis: each keeps its keys, streams and consumer groups
 * under its own prefix, and each database receives exactly its own usage events.
 */
(redisSkipReason ? describe.skip : describe)('deployments sharing a Redis', () => {
  let redis: RedisServerProcess;
  let raw: Redis;
  let admin: Client;
  const other = { name: `maas_ns_${randomBytes(4).toString('hex')}`, url: '' };

  beforeAll(async () => {
    redis = new RedisServerProcess(await freePort());
    await redis.start();
    raw = new Redis(redis.url);
    admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${other.name}`);
    const url = new URL(process.env.DATABASE_URL as string);
    url.pathname = `/${other.name}`;
    other.url = url.href;
    await migrate(
      { databaseUrl: other.url, databasePoolSize: 2, databaseConnectTimeoutMs: 5000, databaseStatementTimeoutMs: 10_000 },
      Object.assign(new Logger('Migrations'), { log: () => undefined }),
    );
  });

  afterAll(async () => {
    raw?.disconnect();
    await redis?.stop();
    await admin?.query(`DROP DATABASE IF EXISTS ${other.name} WITH (FORCE)`);
    await admin?.end();
  });

  async function deploymentOf(databaseUrl: string): Promise<string> {
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      return (await db.query<{ id: string }>('SELECT id FROM deployment')).rows[0].id;
    } finally {
      await db.end();
    }
  }

  /** Charges of these users recorded in this database. */
  async function chargesIn(databaseUrl: string, users: readonly string[]): Promise<number> {
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM usage_events WHERE kind = 'charge' AND user_id = ANY($1)`, [users]);
      return rows[0].n;
    } finally {
      await db.end();
    }
  }

  async function sell(api: TestApi, label: string): Promise<string[]> {
    const users = [uniqueUser(`${label}-1`), uniqueUser(`${label}-2`)];
    for (const user of users) expect((await api.credit(user, 100)).status).toBe(201);
    const answers = await Promise.all(
      Array.from({ length: SALES }, (_, i) => api.get(`${memePath()}&format=${i % 4 === 0 ? 'image' : 'text'}`, api.token(users[i % 2]))),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    return users;
  }

  it('drain into each database exactly its own usage events, under prefixes derived from the databases', async () => {
    const env = { REDIS_URL: redis.url, WORKER_IN_PROCESS: 'true' };
    const mine = await TestApi.start(testConfig('redis', env));
    const theirs = await TestApi.start(testConfig('redis', { ...env, DATABASE_URL: other.url }));
    try {
      const [myUsers, theirUsers] = await Promise.all([sell(mine, 'mine'), sell(theirs, 'theirs')]);
      await waitFor(async () => (await chargesIn(process.env.DATABASE_URL as string, myUsers)) === SALES, 20_000);
      await waitFor(async () => (await chargesIn(other.url, theirUsers)) === SALES, 20_000);

      expect(await chargesIn(process.env.DATABASE_URL as string, theirUsers)).toBe(0);
      expect(await chargesIn(other.url, myUsers)).toBe(0);
      const prefixes = [defaultKeyPrefix(await deploymentOf(process.env.DATABASE_URL as string)), defaultKeyPrefix(await deploymentOf(other.url))];
      expect(prefixes[0]).toMatch(/^maas:[0-9a-f]{12}:$/);
      expect(prefixes[1]).not.toBe(prefixes[0]);
      const keys = await raw.keys('*');
      expect(keys.filter((key) => !prefixes.some((prefix) => key.startsWith(prefix)))).toEqual([]);
      for (const prefix of prefixes) {
        expect(await raw.get(`${prefix}deployment`)).toBeTruthy();
        // Every usage stream of each deployment exists (its consumer group made it) and is drained.
        expect(await Promise.all(USAGE_STREAMS.map((stream) => raw.xlen(prefix + stream)))).toEqual(USAGE_STREAMS.map(() => 0));
        expect(await Promise.all(USAGE_STREAMS.map((stream) => raw.exists(prefix + stream)))).toEqual(USAGE_STREAMS.map(() => 1));
      }
      // Each deployment knows its own accounts only.
      for (const user of myUsers) expect((await theirs.get('/tokens/balance', theirs.token(user))).status).toBe(404);
      for (const user of theirUsers) expect((await mine.get('/tokens/balance', mine.token(user))).status).toBe(404);
      for (const [api, users] of [[mine, myUsers], [theirs, theirUsers]] as const) {
        const used = await Promise.all(users.map(async (user) => (await api.balance(user)).used));
        expect(used.reduce((sum, n) => sum + n, 0)).toBe(TOKENS_SPENT);
      }
    } finally {
      await Promise.all([mine.close(), theirs.close()]);
    }
  }, 60_000);

  it('refuse to start on a prefix another deployment holds, in one line and exit code 1; the same deployment starts again', async () => {
    const prefix = `shared-${randomBytes(3).toString('hex')}:`;
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, WORKER_IN_PROCESS: 'false' };
    const first = await TestApi.start(testConfig('redis', env));
    try {
      const mine = await deploymentOf(process.env.DATABASE_URL as string);
      const theirs = await deploymentOf(other.url);
      expect(await raw.get(`${prefix}deployment`)).toBe(mine);

      for (const main of [API_MAIN, WORKER_MAIN]) {
        const childEnv = { PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'silent', JWT_SECRET: TEST_SECRET, DATABASE_URL: other.url, PORT: String(await freePort()), ...env };
        const failure = (await run(process.execPath, [main], { env: childEnv, timeout: 30_000 }).then(
          () => undefined,
          (error: { code: number; stderr: string }) => error,
        )) as { code: number; stderr: string } | undefined;
        expect(failure?.code).toBe(1);
        expect(failure?.stderr.trim().split('\n')).toEqual([
          expect.stringMatching(
            new RegExp(`^MaaS (worker )?failed to start: redis://127\\.0\\.0\\.1:\\d+ already holds deployment ${mine}'s data under the key prefix "${prefix}", and this database is deployment ${theirs}: give each deployment its own REDIS_KEY_PREFIX`),
          ),
        ]);
      }
      expect(await raw.get(`${prefix}deployment`)).toBe(mine);

      // Another instance of the same deployment shares the prefix, and sells.
      const second = await TestApi.start(testConfig('redis', env));
      try {
        const user = uniqueUser('same-deployment');
        expect((await second.credit(user, 2)).status).toBe(201);
        expect((await first.get(memePath(), first.token(user))).status).toBe(200);
        expect(await second.balance(user)).toMatchObject({ purchased: 2, used: 1, remaining: 1 });
        expect(await raw.keys(`${prefix}{m*}:a:${user}`)).toHaveLength(1);
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  }, 60_000);
});
