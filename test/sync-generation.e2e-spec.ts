import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { migrate } from '@maas/core';
import { WorkerModule } from '../apps/worker/src/worker.module';
import { json, memePath, TestApi, testConfig, uniqueUser, waitFor } from './setup/test-app';

/**
 * SYNC_GENERATION_BUDGET_MS in the production layout: the API (WORKER_IN_PROCESS=false) and a
 * worker app of its own, so memes made after their sale are measured by the worker, never by the
 * API. Image generation (render, store, link) is made slow for real: the short-link insert waits
 * on a lock another session holds on the table, in a database of this suite's own so no other
 * suite is slowed. With the lock released, generation is fast again; the budget never changes.
 */

const BUDGET_MS = 400;
const RETRY_SECONDS = 2;

describe('a format gone asynchronous for being slow, API and worker apart', () => {
  const database = `maas_generation_${randomBytes(4).toString('hex')}`;
  let admin: Client;
  let db: Client;
  let api: TestApi;
  let worker: INestApplication;
  let dataDir: string;
  let databaseUrl: string;

  beforeAll(async () => {
    admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(process.env.DATABASE_URL as string);
    url.pathname = `/${database}`;
    databaseUrl = url.href;
    await migrate(
      { databaseUrl, databasePoolSize: 2, databaseConnectTimeoutMs: 5000, databaseStatementTimeoutMs: 10_000 },
      Object.assign(new Logger('Migrations'), { log: () => undefined }),
    );
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    dataDir = mkdtempSync(join(tmpdir(), 'maas-generation-'));
    const config = testConfig('postgres', {
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      JOB_QUEUE_SCHEMA: 'jobs_generation',
      WORKER_IN_PROCESS: 'false',
      SYNC_GENERATION_BUDGET_MS: String(BUDGET_MS),
      SYNC_GENERATION_RETRY_SECONDS: String(RETRY_SECONDS),
      // The lock wait is part of the generation time: it must not hit the statement timeout.
      DATABASE_STATEMENT_TIMEOUT_MS: '10000',
    });
    api = await TestApi.start(config);
    worker = await NestFactory.create(WorkerModule.forRoot(config), new FastifyAdapter(), { logger: false });
    await worker.init();
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await db?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin?.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const image = (user: string) => api.get(`${memePath('slow then fast')}&format=image`, api.token(user));

  /** Sessions waiting for a lock on short_links in this suite's database. */
  async function waitingOnShortLinks(): Promise<number> {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
       WHERE c.relname = 'short_links' AND NOT l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    return rows[0].n;
  }

  it('goes asynchronous when slow, is made by the worker meanwhile, and comes back to synchronous once fast again', async () => {
    const user = uniqueUser('generation');
    expect((await api.credit(user, 300)).status).toBe(201);

    // Slow: the image's link waits on the lock for longer than the budget, then the lock goes.
    const locker = new Client({ connectionString: databaseUrl });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE short_links IN SHARE MODE');
    const slowSentAt = Date.now();
    const slow = image(user);
    await waitFor(async () => (await waitingOnShortLinks()) === 1, 10_000);
    await new Promise((resolve) => setTimeout(resolve, BUDGET_MS + 200));
    await locker.query('COMMIT');
    await locker.end();
    const slowAnswer = await slow;
    expect(slowAnswer.status).toBe(200);
    expect(await json(slowAnswer)).toMatchObject({ format: 'image', status: 'ready' });
    expect(Date.now() - slowSentAt).toBeGreaterThan(BUDGET_MS);

    // Now asynchronous: answered 202 and made by the worker app, until one request tries the
    // synchronous path again (SYNC_GENERATION_RETRY_SECONDS after the slow measurement), is fast,
    // and brings the format back.
    const pending: string[] = [];
    let firstSyncAt = 0;
    const deadline = Date.now() + 20_000;
    while (firstSyncAt === 0) {
      if (Date.now() > deadline) throw new Error(`still asynchronous after ${pending.length} memes`);
      const response = await image(user);
      const body = await json(response);
      if (response.status === 202) {
        expect(body).toMatchObject({ format: 'image', status: 'pending', meme: null });
        pending.push(body.id);
        await new Promise((resolve) => setTimeout(resolve, 200));
      } else {
        expect(response.status).toBe(200);
        expect(body).toMatchObject({ format: 'image', status: 'ready' });
        firstSyncAt = Date.now();
      }
    }
    expect(pending.length).toBeGreaterThanOrEqual(1);
    expect(firstSyncAt - slowSentAt).toBeGreaterThanOrEqual(RETRY_SECONDS * 1000);
    for (let i = 0; i < 3; i++) expect((await image(user)).status).toBe(200);

    for (const id of pending) expect(await api.settled(user, id)).toMatchObject({ id, status: 'ready', format: 'image' });
    const { rows } = await db.query(`SELECT status, count(*)::int AS n FROM meme_jobs WHERE user_id = $1 GROUP BY status`, [user]);
    expect(rows).toEqual([{ status: 'ready', n: pending.length }]);
    const sold = 1 + pending.length + 1 + 3;
    expect(await api.balance(user)).toMatchObject({ purchased: 300, used: 3 * sold, remaining: 300 - 3 * sold });
  }, 60_000);
});
