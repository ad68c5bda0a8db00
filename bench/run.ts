/**
 * `npm run bench`: the API's hot path against a bare baseline doing the same work, in one run.
 *
 *   1. bench/baseline.ts: plain Fastify + the same JWT check + the same Lua charge + the same caption.
 *   2. The built API (dist), Redis ledger, production mode with everything on: auth, validation,
 *      per-user rate limiting through Redis (limit set out of reach, so it counts but never refuses),
 *      one JSON log line per request (written to a file), delivery marks.
 * The worker app runs beside them as its own process (the production layout), moving the usage
 * events of both servers from Redis to PostgreSQL; its lag is sampled during the API runs.
 *
 * Same connections and duration for both, alternating for BENCH_ROUNDS rounds (the median run is
 * shown, and a ratio is the median of the rounds' own ratios: load and server share this
 * machine's cores, and single runs vary by ±10 % or more), with
 * the CPU each request cost every local process (from /proc, on Linux); then exactness: memes
 * served = tokens spent. Then premium: a subscriber whose token claims
 * premium against a standard caller on the same API, and, on a second API with a local
 * OpenAI-compatible server, the AI call started before the subscription check or after it.
 * Environment: REDIS_URL (default redis://127.0.0.1:6379), DATABASE_URL (default: embedded),
 * BENCH_DURATION seconds (10), BENCH_WARMUP seconds (3), BENCH_ROUNDS (5), BENCH_CONNECTIONS (100),
 * BENCH_API_NODE (another `node` binary: a second API runs on it, measured in the same rounds).
 */
import { ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../libs/core/src/database/embedded-postgres';
import { accountKey } from '../libs/tokens/src/redis.scripts';
import { FakeOpenAi } from '../test/setup/fake-openai';

const env = process.env;
const DURATION = Number(env.BENCH_DURATION ?? 10);
const WARMUP = Number(env.BENCH_WARMUP ?? 3);
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 100);
const ROUNDS = Number(env.BENCH_ROUNDS ?? 5);
const REDIS_URL = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = randomBytes(32).toString('base64url');
const TOKENS = 100_000_000;
const BASELINE_PORT = 3101;
const API_PORT = 3102;
const WORKER_PORT = 3103;
const PATH = '/memes?lat=48.8566&lon=2.3522&query=benchmarks%20on%20a%20laptop';
const AI_LATENCY_MS = Number(env.BENCH_AI_LATENCY_MS ?? 50);
const OTHER_NODE = env.BENCH_API_NODE;
const OTHER_API_PORT = API_PORT + 20;

interface Measured {
  /** Highest usage-drain lag the worker reported during the run. */
  maxLagMs: number;
  name: string;
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  other: number;
  errors: number;
  spent: number;
  /** CPU µs per request by process (Linux only), over the measured run. */
  cpu?: Record<CpuSource, number>;
}

type CpuSource = 'server' | 'worker' | 'Redis' | 'PostgreSQL' | 'load generator' | 'whole machine';
const CPU_SOURCES: CpuSource[] = ['server', 'worker', 'Redis', 'PostgreSQL', 'load generator', 'whole machine'];
const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux this runs on

/**
 * CPU time (ticks) used so far by a process and by its children that have exited (PostgreSQL's
 * short-lived backends and autovacuum workers: without them a sum over processes can shrink), or
 * by the whole machine (pid 0); 0 if the process is gone.
 */
function cpuTicks(pid: number): number {
  try {
    if (pid === 0) {
      const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      return user + nice + system + irq + softirq + steal;
    }
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime, stime, then cutime and cstime: the children this process has waited for.
    return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  } catch {
    return 0;
  }
}

/** Local processes by executable name (Redis and PostgreSQL may be remote: then they count 0). */
function processesNamed(name: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Ticks used so far by each source; undefined where /proc is missing (not Linux). */
function cpuSnapshot(serverPid: number): Record<CpuSource, number> | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const sum = (pids: number[]) => pids.reduce((total, pid) => total + cpuTicks(pid), 0);
  return {
    server: cpuTicks(serverPid),
    worker: workerPid ? cpuTicks(workerPid) : 0,
    Redis: sum(processesNamed('redis-server')),
    PostgreSQL: sum(processesNamed('postgres')),
    'load generator': cpuTicks(process.pid),
    'whole machine': cpuTicks(0),
  };
}

let workerPid: number | undefined;

function token(sub: string, roles: string[] = [], claimsPremium = false): string {
  const claims = claimsPremium ? { roles, tier: 'premium' } : { roles };
  return jwt.sign(claims, SECRET, { algorithm: 'HS256', subject: sub, issuer: 'maas', audience: 'maas-api', expiresIn: 3600 });
}

function load(url: string, auth: string, run: { duration: number } | { amount: number }, connections = CONNECTIONS): Promise<autocannon.Result> {
  return autocannon({ url, connections, headers: { authorization: `Bearer ${auth}` }, ...run });
}

/**
 * Warm up for WARMUP seconds, then send as many requests as that pace fills DURATION with. A fixed
 * count, not a fixed time: autocannon abandons the requests in flight when time is up, and those
 * would be charged but never counted, spoiling the exactness check.
 */
async function measure(name: string, port: number, serverPid: number, user: string, redis: Redis, auth = token(user)): Promise<Measured> {
  const url = `http://127.0.0.1:${port}${PATH}`;
  const warm = await load(url, auth, { duration: WARMUP });
  const before = await settledUsage(redis, user);
  let maxLagMs = 0;
  const sampler = setInterval(() => {
    void workerLag().then((lag) => (maxLagMs = Math.max(maxLagMs, lag)));
  }, 250);
  const cpuBefore = cpuSnapshot(serverPid);
  const result = await load(url, auth, { amount: Math.max(1000, Math.round(warm.requests.average * DURATION)) });
  const cpuAfter = cpuSnapshot(serverPid);
  clearInterval(sampler);
  const spent = Number(await redis.hget(accountKey(user), 'u')) - before;
  return {
    maxLagMs,
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    other: result.non2xx,
    errors: result.errors + result.timeouts,
    spent,
    cpu:
      cpuBefore &&
      cpuAfter &&
      (Object.fromEntries(
        CPU_SOURCES.map((source) => [source, Math.round(((cpuAfter[source] - cpuBefore[source]) * 1e6) / CLOCK_TICKS_PER_SECOND / result.requests.total)]),
      ) as Record<CpuSource, number>),
  };
}

async function workerLag(): Promise<number> {
  try {
    const metrics = await (await fetch(`http://127.0.0.1:${WORKER_PORT}/metrics`)).text();
    return Number(/^maas_usage_drain_lag_ms (\d+)$/m.exec(metrics)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Waits until PostgreSQL has every usage event of the user: its `used` equals Redis'. */
async function drained(redis: Redis, db: Client, user: string): Promise<{ redis: number; postgres: number }> {
  for (let i = 0; ; i++) {
    const inRedis = Number(await redis.hget(accountKey(user), 'u'));
    const [row] = (await db.query('SELECT used FROM accounts WHERE user_id = $1', [user])).rows;
    const inPostgres = Number(row?.used ?? -1);
    if (inRedis === inPostgres || i === 200) return { redis: inRedis, postgres: inPostgres };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The median of the rounds' own ratios. A round's two runs are back to back, and this shared
 * machine has slow spells of several seconds that slow every process on it alike (the same
 * server, restarted or not, measured anywhere from 8,700 to 12,700 req/s): a ratio within a
 * round cancels them, a ratio of the runs' medians does not.
 */
function pairedRatio(numerators: Measured[], denominators: Measured[], value: (run: Measured) => number): { median: number; rounds: number[] } {
  const rounds = numerators.map((run, round) => value(run) / Math.max(value(denominators[round]), 1));
  return { median: [...rounds].sort((a, b) => a - b)[Math.floor(rounds.length / 2)], rounds };
}

/** The run with the median throughput: a real run, not a blend of several. */
function median(runs: Measured[]): Measured {
  return [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)];
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** Tokens used once the requests the warm-up abandoned in flight have all been served. */
async function settledUsage(redis: Redis, user: string): Promise<number> {
  let last = -1;
  for (;;) {
    const used = Number(await redis.hget(accountKey(user), 'u'));
    if (used === last) return used;
    last = used;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function waitUntilReady(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not become ready`);
}

async function credit(user: string, reference: string, port = API_PORT): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/admin/users/${user}/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token('bench-admin', ['admin'])}`, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: TOKENS, reference }),
  });
  if (response.status !== 201) throw new Error(`crediting ${user} failed: ${response.status}`);
}

/**
 * The question: does starting the AI call before the subscription check (for tokens that
 * claim premium) lower premium p50? A second API, with AI_BASE_URL on a local OpenAI-compatible
 * server answering in AI_LATENCY_MS, serves the same subscriber with the claim (AI call started
 * at once) and without it (AI call started once the subscription has answered).
 */
async function aiInParallel(common: NodeJS.ProcessEnv, logDir: string): Promise<void> {
  const ai = await FakeOpenAi.start();
  ai.behaviour = 'slow';
  ai.slowMs = AI_LATENCY_MS;
  const port = API_PORT + 10;
  const api = spawn(process.execPath, ['dist/apps/api/apps/api/src/main.js'], {
    env: { ...common, PORT: String(port), RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn', WORKER_IN_PROCESS: 'false', AI_BASE_URL: ai.baseUrl, AI_TIMEOUT_MS: '2000' },
    stdio: ['ignore', openSync(join(logDir, 'api-ai.log'), 'w'), 'inherit'],
  });
  try {
    await waitUntilReady(`http://127.0.0.1:${port}/health/ready`, api);
    const user = `bench-ai-${randomBytes(4).toString('hex')}`;
    await credit(user, `bench-ai-${user}`, port);
    await fetch(`http://127.0.0.1:${port}/admin/subscriptions/${user}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token('bench-admin', ['admin'])}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const url = `http://127.0.0.1:${port}${PATH}`;
    const p50 = { claim: [] as number[], noClaim: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      p50.claim.push((await load(url, token(user, [], true), { duration: 4 }, 10)).latency.p50);
      p50.noClaim.push((await load(url, token(user), { duration: 4 }, 10)).latency.p50);
    }
    const mid = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const generators = (await (await fetch(url, { headers: { authorization: `Bearer ${token(user, [], true)}` } })).json()) as { generator: string };
    process.stdout.write(
      `\nAI call started before the subscription check (AI answering in ${AI_LATENCY_MS} ms, 10 connections, median of ${ROUNDS} rounds, generator "${generators.generator}"):\n` +
        `  token claims premium (AI call at once):            p50 ${mid(p50.claim)} ms  (rounds: ${p50.claim.join(', ')})\n` +
        `  no claim (AI call after the subscription answers): p50 ${mid(p50.noClaim)} ms  (rounds: ${p50.noClaim.join(', ')})\n`,
    );
  } finally {
    api.kill('SIGTERM');
    await ai.stop();
  }
}

async function main(): Promise<void> {
  const runId = randomBytes(4).toString('hex');
  // The processes of this run share a key prefix of their own, so this client sees their keys.
  const keyPrefix = `maas-bench:${runId}:`;
  const redis = new Redis(REDIS_URL, { keyPrefix });
  const children: ChildProcess[] = [];
  let stopPostgres = async () => undefined as void;
  try {
    let databaseUrl = env.DATABASE_URL;
    if (!databaseUrl) {
      const dir = mkdtempSync(join(tmpdir(), 'maas-bench-'));
      chmodSync(dir, 0o755);
      const postgres = await startEmbeddedPostgres(dir, 54399);
      databaseUrl = postgres.url;
      stopPostgres = postgres.stop;
    }
    const baseline = fork(join(__dirname, 'baseline.ts'), {
      env: { ...env, PORT: String(BASELINE_PORT), REDIS_URL, REDIS_KEY_PREFIX: keyPrefix, JWT_SECRET: SECRET },
      execArgv: ['--require', '@swc-node/register'],
      stdio: 'inherit',
    });
    children.push(baseline);
    const baselineUser = `bench-baseline-${runId}`;
    await redis.hset(accountKey(baselineUser), 'p', TOKENS, 'u', 0);
    await new Promise((resolve) => baseline.once('message', resolve));

    // The log goes straight to a file: piping it through this process would steal CPU from the load generator.
    const logDir = mkdtempSync(join(tmpdir(), 'maas-bench-log-'));
    const logFile = join(logDir, 'api.log');
    const common = { ...env, NODE_ENV: 'production', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, REDIS_URL, REDIS_KEY_PREFIX: keyPrefix, JWT_SECRET: SECRET };
    const startApi = async (node: string, port: number, log: string): Promise<ChildProcess> => {
      const child = spawn(node, ['dist/apps/api/apps/api/src/main.js'], {
        env: { ...common, PORT: String(port), RATE_LIMIT_PER_MINUTE: '1000000000', LOG_LEVEL: 'info', WORKER_IN_PROCESS: 'false' },
        stdio: ['ignore', openSync(log, 'w'), 'inherit'],
      });
      children.push(child);
      await waitUntilReady(`http://127.0.0.1:${port}/health/ready`, child);
      return child;
    };
    const api = await startApi(process.execPath, API_PORT, logFile);
    // The same API on another Node line, measured in the same rounds.
    const other = OTHER_NODE
      ? { node: execFileSync(OTHER_NODE, ['--version'], { encoding: 'utf8' }).trim(), api: await startApi(OTHER_NODE, OTHER_API_PORT, join(logDir, 'api-other.log')) }
      : undefined;
    const worker = spawn(process.execPath, ['dist/apps/worker/apps/worker/src/main.js'], {
      env: { ...common, PORT: String(WORKER_PORT), LOG_LEVEL: 'info' },
      stdio: ['ignore', openSync(join(logDir, 'worker.log'), 'w'), 'inherit'],
    });
    children.push(worker);
    workerPid = worker.pid;
    await waitUntilReady(`http://127.0.0.1:${WORKER_PORT}/health/ready`, worker);
    const apiUser = `bench-api-${runId}`;
    await credit(apiUser, `bench-${runId}`);
    const otherUser = `bench-api-other-${runId}`;
    if (other) await credit(otherUser, `bench-other-${runId}`, OTHER_API_PORT);

    process.stdout.write(
      `Machine: ${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}; ${CONNECTIONS} connections, ` +
        `${DURATION} s (+${WARMUP} s warm-up) per run, ${ROUNDS} alternating rounds; the median runs are shown, ratios are the median of the rounds' own\n`,
    );
    const bases: Measured[] = [];
    const fulls: Measured[] = [];
    const others: Measured[] = [];
    const apiName = other ? `MaaS API (Node ${process.version})` : 'MaaS API (Nest, everything on)';
    for (let round = 1; round <= ROUNDS; round++) {
      bases.push(await measure('baseline (Fastify + JWT + Lua)', BASELINE_PORT, baseline.pid as number, baselineUser, redis));
      fulls.push(await measure(apiName, API_PORT, api.pid as number, apiUser, redis));
      if (other) others.push(await measure(`MaaS API (Node ${other.node})`, OTHER_API_PORT, other.api.pid as number, otherUser, redis));
      const [b, f, o] = [bases[round - 1], fulls[round - 1], others[round - 1]];
      process.stdout.write(
        `  round ${round}: baseline ${b.rps.toFixed(0)} req/s p99 ${b.p99} ms; API ${f.rps.toFixed(0)} req/s p99 ${f.p99} ms; ratio ${(f.rps / b.rps).toFixed(2)}x` +
          `${o ? `; API on Node ${other?.node} ${o.rps.toFixed(0)} req/s p99 ${o.p99} ms` : ''}\n`,
      );
    }
    const base = median(bases);
    const full = median(fulls);
    const measuredRuns = others.length ? [base, full, median(others)] : [base, full];

    const rows = measuredRuns.map((m) =>
      [
        m.name.padEnd(32),
        m.rps.toFixed(0).padStart(8),
        `${m.p50} ms`.padStart(8),
        `${m.p99} ms`.padStart(8),
        String(m.ok).padStart(8),
        String(m.spent).padStart(8),
        String(m.other + m.errors).padStart(6),
        `${m.maxLagMs} ms`.padStart(10),
      ].join(' '),
    );
    const header = ['server'.padEnd(32), 'req/s'.padStart(8), 'p50'.padStart(8), 'p99'.padStart(8), '200s'.padStart(8), 'charged'.padStart(8), 'other'.padStart(6), 'drain lag'.padStart(10)];
    process.stdout.write(`\n${header.join(' ')}\n${rows.join('\n')}\n\n`);
    if (base.cpu && full.cpu) {
      // Where each request's CPU goes (the same median runs): steadier than req/s on a shared machine.
      const cpuRows = measuredRuns.map((m) => [m.name.padEnd(32), ...CPU_SOURCES.map((source) => String(m.cpu?.[source]).padStart(source.length))].join('  '));
      process.stdout.write(`CPU µs per request\n${['process'.padEnd(32), ...CPU_SOURCES].join('  ')}\n${cpuRows.join('\n')}\n\n`);
      for (const runs of [bases, fulls, others].filter((these) => these.length)) {
        const server = runs.map((run) => run.cpu?.server ?? 0);
        const mid = [...server].sort((a, b) => a - b)[Math.floor(server.length / 2)];
        process.stdout.write(`${runs[0].name}: server process ${mid} µs per request, median of the rounds' ${server.join(', ')}\n`);
      }
      process.stdout.write('\n');
    }
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const books = await drained(redis, db, apiUser);
    await db.end();
    const maxLag = Math.max(...fulls.map((m) => m.maxLagMs));

    const throughput = pairedRatio(fulls, bases, (run) => run.rps);
    const tail = pairedRatio(fulls, bases, (run) => run.p99);
    const listed = (ratios: number[]): string => ratios.map((ratio) => ratio.toFixed(2)).join(', ');
    const all = [...bases, ...fulls, ...others];
    const exact = all.every((m) => m.ok === m.spent && m.other === 0 && m.errors === 0);
    const served = sum(all.map((m) => m.ok));
    const charged = sum(all.map((m) => m.spent));
    const checks = [
      [`throughput ratio ${throughput.median.toFixed(2)}x, median of the rounds' ${listed(throughput.rounds)} (target >= 0.80x)`, throughput.median >= 0.8],
      [`p99 ratio ${tail.median.toFixed(2)}x, median of the rounds' ${listed(tail.rounds)} (target <= 2.00x)`, tail.median <= 2],
      [`exactness in every run: memes served = tokens charged, no errors (${served} = ${charged})`, exact],
      [`PostgreSQL usage ledger = Redis balance once drained (used: ${books.postgres} = ${books.redis})`, books.postgres === books.redis],
      [`usage drain lag during the API runs: max ${maxLag} ms (target < 1000 ms)`, maxLag < 1000],
    ] as const;
    for (const [label, pass] of checks) process.stdout.write(`${pass ? 'PASS' : 'FAIL'}  ${label}\n`);

    // Premium: the same request by a subscriber whose token claims premium (subscription cache
    // warm, no AI endpoint, so the richer local generator), alternating with a standard caller.
    const premiumUser = `bench-premium-${runId}`;
    await credit(premiumUser, `bench-premium-${runId}`);
    const grant = await fetch(`http://127.0.0.1:${API_PORT}/admin/subscriptions/${premiumUser}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token('bench-admin', ['admin'])}`, 'content-type': 'application/json' },
      body: JSON.stringify({ periodDays: 1 }),
    });
    if (grant.status !== 201) throw new Error(`granting the bench subscription failed: ${grant.status}`);
    const standardRuns: Measured[] = [];
    const premiumRuns: Measured[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      standardRuns.push(await measure('standard caller', API_PORT, api.pid as number, apiUser, redis));
      premiumRuns.push(await measure('premium caller (claim + subscription)', API_PORT, api.pid as number, premiumUser, redis, token(premiumUser, [], true)));
      const [st, pr] = [standardRuns[round - 1], premiumRuns[round - 1]];
      process.stdout.write(`  premium round ${round}: standard ${st.rps.toFixed(0)} req/s p50 ${st.p50} ms; premium ${pr.rps.toFixed(0)} req/s p50 ${pr.p50} ms\n`);
    }
    const [standardRun, premiumRun] = [median(standardRuns), median(premiumRuns)];
    const premiumRatio = pairedRatio(premiumRuns, standardRuns, (run) => run.rps);
    const premiumExact = premiumRuns.every((m) => m.ok === m.spent && m.other === 0 && m.errors === 0);
    process.stdout.write(
      `${premiumRatio.median >= 0.9 ? 'PASS' : 'FAIL'}  premium throughput ${premiumRatio.median.toFixed(2)}x standard, median of the rounds' ${listed(premiumRatio.rounds)} (target >= 0.90x); median runs ${premiumRun.rps.toFixed(0)} vs ${standardRun.rps.toFixed(0)} req/s, p50 ${premiumRun.p50} vs ${standardRun.p50} ms, p99 ${premiumRun.p99} vs ${standardRun.p99} ms\n` +
        `${premiumExact ? 'PASS' : 'FAIL'}  premium exactness: memes served = tokens charged\n`,
    );

    await aiInParallel(common, logDir);

    const usage = await redis.call('MEMORY', 'USAGE', keyPrefix + accountKey(apiUser)) // MEMORY's key is not prefixed by ioredis;
    process.stdout.write(`\nRedis memory per account (one hash {m<shard>}:a:<id> with p, u and n; r only once refunded): ${usage} bytes\nLogs: ${logDir}\n`);
    process.exitCode = exact && premiumExact && books.postgres === books.redis ? 0 : 1;
  } finally {
    for (const child of children) child.kill('SIGTERM');
    redis.disconnect();
    await stopPostgres();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
