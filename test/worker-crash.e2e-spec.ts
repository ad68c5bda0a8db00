import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { RedisServerProcess } from './setup/redis-server';
import { freePort } from './setup/ports';
import { NodeProcess, WORKER_MAIN } from './setup/node-process';
import { json, LedgerMode, ledgerModes, memePath, TEST_SECRET, TestApi, testConfig, uniqueUser, waitFor } from './setup/test-app';

/**
 * The worker app (its own process, as in production) is SIGKILLed while it is making a video.
 * A new worker takes the job over once it times out, and the meme is made and charged once.
 */
describe.each(ledgerModes())('a worker killed in the middle of a job, %s ledger', (mode: LedgerMode) => {
  const schema = `jobs_${randomBytes(4).toString('hex')}`;
  let api: TestApi;
  let redisServer: RedisServerProcess | undefined;
  let db: Client;
  let dataDir: string;
  const workers: NodeProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(WORKER_MAIN)) throw new Error(`${WORKER_MAIN} is missing: run \`npm run build\` (npm test does it first)`);
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    dataDir = mkdtempSync(join(tmpdir(), 'maas-worker-crash-'));
    const env: Record<string, string> = { DATA_DIR: dataDir, JOB_QUEUE_SCHEMA: schema, WORKER_IN_PROCESS: 'false' };
    if (mode !== 'postgres') {
      redisServer = new RedisServerProcess(await freePort());
      await redisServer.start();
      env.REDIS_URL = redisServer.url;
    }
    api = await TestApi.start(testConfig(mode, env));
  });

  afterAll(async () => {
    for (const worker of workers) await worker.kill();
    await api?.close();
    await redisServer?.stop();
    await db?.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startWorker(): Promise<NodeProcess> {
    const port = await freePort();
    const worker = await NodeProcess.start(
      WORKER_MAIN,
      {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: process.env.DATABASE_URL,
        ...(redisServer ? { REDIS_URL: redisServer.url } : {}),
        JWT_SECRET: TEST_SECRET,
        DATA_DIR: dataDir,
        JOB_QUEUE_SCHEMA: schema,
        JOB_TIMEOUT_SECONDS: '3',
        JOB_MAINTENANCE_SECONDS: '1',
        JOB_RETRY_DELAY_SECONDS: '1',
      },
      port,
    );
    workers.push(worker);
    return worker;
  }

  const jobState = async (id: string): Promise<{ state: string; retry_count: number } | undefined> =>
    (await db.query(`SELECT state::text, retry_count FROM ${schema}.job WHERE id = $1`, [id])).rows[0];

  it('is taken over after its timeout: the meme is made, and charged once', async () => {
    const first = await startWorker();
    const user = uniqueUser('crash');
    await api.credit(user, 10);
    const response = await api.get(`${memePath('the worker died')}&format=video`, api.token(user));
    expect(response.status).toBe(202);
    const { id } = await json(response);

    // Killed the moment it starts the job (rendering a video takes a few hundred ms).
    await waitFor(async () => (await jobState(id))?.state === 'active', 30_000);
    first.killNow();
    await first.kill();
    const { rows: beforeRestart } = await db.query('SELECT status FROM meme_jobs WHERE id = $1', [id]);
    expect(beforeRestart).toEqual([{ status: 'pending' }]);

    await startWorker();
    // The meme is ready a moment before the queue records the job as completed.
    await waitFor(async () => (await jobState(id))?.state === 'completed', 30_000);
    expect(await jobState(id)).toMatchObject({ state: 'completed', retry_count: 1 });
    expect((await api.get(`/memes/${id}`, api.token(user)).then(json)).status).toBe('ready');
    const { rows } = await db.query(`SELECT id, kind, amount FROM usage_events WHERE user_id = $1`, [user]);
    expect(rows).toEqual([{ id, kind: 'charge', amount: 10 }]);
    expect(await api.balance(user)).toMatchObject({ purchased: 10, used: 10, remaining: 0 });
    const meme = await api.get(`/memes/${id}`, api.token(user)).then(json);
    const file = Buffer.from(await (await api.follow(meme.meme)).arrayBuffer());
    expect(file.subarray(4, 8).toString('latin1')).toBe('ftyp');
  });
});
