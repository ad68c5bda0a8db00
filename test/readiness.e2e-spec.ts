import { Redis } from 'ioredis';
import { Metrics, PROBE_TIMEOUT_MS } from '@maas/core';
import { freePort } from './setup/ports';
import { RedisServerProcess } from './setup/redis-server';
import { TcpProxy } from './setup/tcp-proxy';
import { json, redisSkipReason, TestApi, testConfig } from './setup/test-app';

const INTERVAL_MS = 1000;
/** A probe is answered from memory: far less than the Redis command timeout below (1 s). */
const ANSWER_BOUND_MS = 300;

/**
 * Readiness answered from the dependencies' last known state, against a private redis-server the
 * test freezes and a PostgreSQL behind a proxy it cuts.
 */
describe('readiness from background checks', () => {
  if (redisSkipReason) {
    it.todo(`skipped: ${redisSkipReason}`);
    return;
  }
  let redis: RedisServerProcess;
  let proxy: TcpProxy;
  let api: TestApi;
  let observer: Redis;

  beforeAll(async () => {
    redis = new RedisServerProcess(await freePort());
    await redis.start();
    const url = new URL(process.env.DATABASE_URL as string);
    proxy = new TcpProxy({ host: url.hostname, port: Number(url.port || 5432) }, await freePort());
    await proxy.start();
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    api = await TestApi.start(
      testConfig('redis', {
        REDIS_URL: redis.url,
        REDIS_COMMAND_TIMEOUT_MS: '1000',
        DATABASE_URL: url.toString(),
        DATABASE_CONNECT_TIMEOUT_MS: '300',
        HEALTH_CHECK_INTERVAL_MS: String(INTERVAL_MS),
        WORKER_IN_PROCESS: 'false',
        PUBLIC_RATE_LIMIT_PER_MINUTE: '0',
      }),
    );
    observer = new Redis(redis.url);
  });
  afterAll(async () => {
    observer?.disconnect();
    await api?.close();
    await proxy?.cut();
    await redis?.stop();
  });

  const pings = async () => Number(/cmdstat_ping:calls=(\d+)/.exec(await observer.info('commandstats'))?.[1] ?? 0);
  const postgresChecks = () => api.app.get(Metrics).value('maas_health_checks_postgres_total') ?? 0;

  /** One readiness probe, timed. */
  async function probe(): Promise<{ status: number; ms: number; checks?: Record<string, string> }> {
    const started = performance.now();
    const response = await api.get('/health/ready');
    const body = await json(response);
    return { status: response.status, ms: performance.now() - started, checks: body.checks };
  }

  /** Probes every 50 ms until one answers `status`; every probe must answer within the bound. */
  async function probeUntil(status: number, timeoutMs: number): Promise<{ status: number; ms: number; checks?: Record<string, string> }> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const answer = await probe();
      expect(answer.ms).toBeLessThan(ANSWER_BOUND_MS);
      if (answer.status === status) return answer;
      if (performance.now() > deadline) throw new Error(`readiness still ${answer.status} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('answers a flood of 1,000 probes with at most one check of each dependency per interval', async () => {
    const [pingsBefore, checksBefore] = [await pings(), postgresChecks()];
    const started = performance.now();
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        for (let i = 0; i < 20; i++) statuses.push((await api.get('/health/ready')).status);
      }),
    );
    const elapsed = performance.now() - started;
    const [pingsAfter, checksAfter] = [await pings(), postgresChecks()];
    expect(statuses).toEqual(Array(1000).fill(200));
    // A check starts an interval after the previous one ended: at most one per interval, plus one under way.
    const bound = Math.floor(elapsed / INTERVAL_MS) + 1;
    expect(pingsAfter - pingsBefore).toBeLessThanOrEqual(bound);
    expect(checksAfter - checksBefore).toBeLessThanOrEqual(bound);
    process.stdout.write(`[readiness] 1,000 probes in ${elapsed.toFixed(0)} ms: ${pingsAfter - pingsBefore} Redis pings, ${checksAfter - checksBefore} PostgreSQL checks (bound ${bound})\n`);
  });

  it('turns unready within two checks of Redis freezing or PostgreSQL vanishing, ready again after, never making a probe wait', async () => {
    // Redis frozen: its check waits out the command timeout, the probes do not.
    redis.pause();
    try {
      const first = await probe();
      expect(first.ms).toBeLessThan(ANSWER_BOUND_MS);
      const down = await probeUntil(503, 2 * INTERVAL_MS + PROBE_TIMEOUT_MS + 500);
      expect(down.checks).toEqual({ postgres: 'up', redis: 'down' });
    } finally {
      redis.resume();
    }
    await probeUntil(200, 2 * INTERVAL_MS + 500);

    await proxy.cut();
    try {
      const down = await probeUntil(503, 2 * INTERVAL_MS + PROBE_TIMEOUT_MS + 500);
      expect(down.checks).toEqual({ postgres: 'down', redis: 'up' });
    } finally {
      await proxy.restore();
    }
    await probeUntil(200, 2 * INTERVAL_MS + 500);
  });
});
