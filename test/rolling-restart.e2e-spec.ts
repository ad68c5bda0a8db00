import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { Haproxy, haproxyMissing } from './setup/haproxy';
import { API_MAIN, call, jwt, NodeProcess, sleep, waitUntil, WORKER_MAIN } from './setup/node-process';
import { freePort } from './setup/ports';
import { RedisServerProcess } from './setup/redis-server';
import { TEST_SECRET, uniqueUser } from './setup/test-app';

const CONNECTIONS = 100;
/** Paced so that no user passes the default per-user limit (600 a minute): 4 requests a second each. */
const RATE = 400;
/**
 * A bounded load (45 s at RATE) that ends by itself: autocannon then counts every answer, where
 * stopping it early would drop the answers in flight, sales the test could not count.
 */
const REQUESTS = RATE * 45;
const CREDIT = 1000;

/**
 * Zero downtime, proven: two API instances and a worker behind a real HAProxy, steady load, each
 * process restarted in turn with SIGTERM, everything in its default production configuration
 * (REDIS_COMMAND_TIMEOUT_MS may be set to measure another value). Every request must succeed, and
 * the tokens charged must be exactly the memes answered.
 */
describe('a rolling restart behind HAProxy', () => {
  const missing = process.env.MAAS_TEST_REDIS_SKIP ?? haproxyMissing();
  if (missing) {
    it.todo(`skipped: ${missing}`);
    return;
  }
  let redis: RedisServerProcess | undefined;
  const processes: NodeProcess[] = [];
  let proxy: Haproxy | undefined;
  let dataDir: string;
  let db: Client | undefined;

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await proxy?.stop();
    await redis?.stop();
    await db?.end();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers every request and charges exactly the memes answered', async () => {
    redis = new RedisServerProcess(await freePort());
    await redis.start();
    const redisUrl = redis.url;
    dataDir = mkdtempSync(join(tmpdir(), 'maas-rolling-'));
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    const commandTimeout = process.env.REDIS_COMMAND_TIMEOUT_MS;
    const env = (port: number): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: process.env.DATABASE_URL,
      REDIS_URL: redisUrl,
      JWT_SECRET: TEST_SECRET,
      LOG_LEVEL: 'warn',
      ...(commandTimeout ? { REDIS_COMMAND_TIMEOUT_MS: commandTimeout } : {}),
    });
    const startApi = async (port: number) => {
      const api = await NodeProcess.start(API_MAIN, { ...env(port), WORKER_IN_PROCESS: 'false' }, port);
      processes.push(api);
      return api;
    };
    const startWorker = async (port: number) => {
      const worker = await NodeProcess.start(WORKER_MAIN, env(port), port);
      processes.push(worker);
      return worker;
    };
    const [frontend, a, b, w] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const started = { a: await startApi(a), b: await startApi(b) };
    let worker = await startWorker(w);
    const haproxy = await Haproxy.start(frontend, [
      { name: 'a', port: a },
      { name: 'b', port: b },
    ]);
    proxy = haproxy;
    await waitUntil('both backends up', async () => Object.values(await haproxy.states()).every((s) => s === 'UP'), 10_000);

    const users = Array.from({ length: CONNECTIONS }, () => uniqueUser('rolling'));
    for (const user of users) {
      const credited = await call(frontend, 'POST', `/admin/users/${user}/tokens`, {
        authorization: `Bearer ${jwt('ops', ['admin'])}`,
        'content-type': 'application/json',
      }, JSON.stringify({ amount: CREDIT, reference: `rolling-${user}` }));
      expect(credited.status).toBe(201);
    }

    let next = 0;
    let loadEnded = false;
    const result = new Promise<autocannon.Result>((resolve, reject) => {
      autocannon({
        url: `http://127.0.0.1:${frontend}/memes?lat=48.8566&lon=2.3522&query=rolling%20restart`,
        connections: CONNECTIONS,
        overallRate: RATE,
        amount: REQUESTS,
        timeout: 20,
        // One user per connection.
        setupClient: (client) => client.setHeaders({ authorization: `Bearer ${jwt(users[next++ % users.length])}` }),
      }, (error, done) => {
        loadEnded = true;
        if (error) reject(error);
        else resolve(done);
      });
    });
    const readyMs: number[] = [];
    const restartApi = async (name: 'a' | 'b', port: number) => {
      expect(await started[name].terminate()).toBe(0);
      const at = Date.now();
      started[name] = await startApi(port);
      readyMs.push(Date.now() - at);
      await waitUntil(`${name} back in rotation`, async () => (await haproxy.states())[name] === 'UP', 20_000);
    };
    await sleep(3000); // steady load first
    await restartApi('a', a);
    await restartApi('b', b);
    expect(await worker.terminate()).toBe(0);
    worker = await startWorker(w);
    // Every restart happened under load, or the run proves nothing.
    expect(loadEnded).toBe(false);
    const { requests, latency, non2xx, errors, timeouts, statusCodeStats, ...counts } = await result;

    const perServer = await haproxy.stats();
    const served = Object.entries(perServer).map(([name, row]) => `${name} ${row.hrsp_2xx}`).join(', ');
    const retried = Object.values(perServer).reduce((sum, row) => sum + Number(row.wretr) + Number(row.wredis), 0);
    const codes = Object.entries(statusCodeStats ?? {}).map(([code, { count }]) => `${count} × ${code}`).join(', ');
    process.stdout.write(
      `[rolling restart] REDIS_COMMAND_TIMEOUT_MS=${commandTimeout ?? 'default'}: ${requests.total} requests (${codes}), ` +
        `${non2xx} non-2xx, ${errors} errors, ${timeouts} timeouts; p50 ${latency.p50} ms, p99 ${latency.p99} ms; ` +
        `2xx by instance: ${served}; HAProxy retries + redispatches: ${retried}; ` +
        `restarted instances ready ${readyMs.join(' and ')} ms after the old one exited\n`,
    );
    expect({ total: requests.total, non2xx, errors, timeouts }).toEqual({ total: REQUESTS, non2xx: 0, errors: 0, timeouts: 0 });

    // Exact: every answered meme is charged once, nothing else is; the worker moved all of it.
    const answered = counts['2xx'];
    const client = db;
    await waitUntil(
      'the usage ledger drained',
      async () => Number((await client.query('SELECT COALESCE(SUM(used), 0) AS used FROM accounts WHERE user_id = ANY($1)', [users])).rows[0].used) === answered,
      20_000,
    );
    let charged = 0;
    for (const user of users) {
      const balance = JSON.parse((await call(frontend, 'GET', '/tokens/balance', { authorization: `Bearer ${jwt(user)}` })).body);
      charged += balance.used;
    }
    expect(charged).toBe(answered);
  }, 120_000);
});
