import { Metrics } from '@maas/core';
import { json, memePath, TestApi, testConfig, uniqueUser, waitFor } from './setup/test-app';
import { RedisServerProcess } from './setup/redis-server';

const PORT = 6390 + Number(process.env.JEST_WORKER_ID ?? 0);

describe('a frozen or dead Redis', () => {
  if (process.env.MAAS_TEST_REDIS_SKIP) {
    it.todo(`skipped: ${process.env.MAAS_TEST_REDIS_SKIP}`);
    return;
  }
  const server = new RedisServerProcess(PORT);
  let api: TestApi;

  beforeAll(async () => {
    await server.start();
    api = await TestApi.start(testConfig('redis', { REDIS_URL: server.url, REDIS_COMMAND_TIMEOUT_MS: '200' }));
  });
  afterAll(async () => {
    await api?.close();
    await server.stop();
  });

  it('answers 503 with Retry-After within the bound instead of an uncounted meme, then recovers', async () => {
    const user = uniqueUser('frozen');
    await api.credit(user, 10);
    const token = api.token(user);
    expect((await api.get(memePath(), token)).status).toBe(200);

    const unknown: string[] = [];
    server.pause();
    try {
      const started = performance.now();
      const responses = await Promise.all(Array.from({ length: 20 }, () => api.get(memePath(), token)));
      const elapsed = performance.now() - started;
      for (const response of responses) {
        expect(response.status).toBe(503);
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        const problem = await json(response);
        // Refused unsent by the open breaker, or sent and not known to have applied.
        expect(['service_unavailable', 'sale_outcome_unknown']).toContain(problem.code);
        if (problem.code === 'sale_outcome_unknown') unknown.push(problem.memeId as string);
      }
      // A generous bound (command timeout 200 ms): the point is "no hang", not a benchmark.
      expect(elapsed).toBeLessThan(2000);
      // 20 failures in a row: the Redis breaker is open and answers 503 without calling Redis.
      expect(api.app.get(Metrics).value('maas_breaker_redis_open')).toBe(1);
      const ready = await api.get('/health/ready');
      expect(ready.status).toBe(503);
      const problem = await ready.text();
      expect(JSON.parse(problem)).toMatchObject({ code: 'service_unavailable', checks: { postgres: 'up', redis: 'down' } });
      expect(problem).not.toMatch(/timed out|ECONN|127\.0\.0\.1/i); // reasons are logged, not sent
      expect((await api.get('/health/live')).status).toBe(200);
    } finally {
      server.resume();
    }

    // The frozen server still runs the 20 charges queued in its socket when it wakes up. They
    // arrive after their deadline and are refused, so exactly one meme has been paid for.
    await waitFor(async () => (await api.get('/health/ready')).status === 200);
    // The breaker lets a trial call through after its reset time, and closes when it succeeds.
    await waitFor(async () => (await api.get('/tokens/balance', token)).status === 200);
    expect(api.app.get(Metrics).value('maas_breaker_redis_open')).toBe(0);
    expect(await api.balance(user)).toMatchObject({ used: 1, remaining: 9 });
    // An outcome the API could not learn is learnt by the caller: none of those memes was sold.
    for (const memeId of unknown) expect((await api.get(`/memes/${memeId}`, token)).status).toBe(404);
    expect((await api.get(memePath(), token)).status).toBe(200);
  });
});

