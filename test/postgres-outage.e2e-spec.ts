import { freePort } from './setup/ports';
import { TcpProxy } from './setup/tcp-proxy';
import { json, memePath, TestApi, testConfig, uniqueUser, waitFor } from './setup/test-app';

/** PostgreSQL mode, with the database behind a proxy the test can cut. */
describe('PostgreSQL unreachable', () => {
  let proxy: TcpProxy;
  let api: TestApi;

  beforeAll(async () => {
    const url = new URL(process.env.DATABASE_URL as string);
    proxy = new TcpProxy({ host: url.hostname, port: Number(url.port || 5432) }, await freePort());
    await proxy.start();
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    api = await TestApi.start(testConfig('postgres', { DATABASE_URL: url.toString(), DATABASE_CONNECT_TIMEOUT_MS: '300' }));
  });
  afterAll(async () => {
    await api?.close();
    await proxy?.cut();
  });

  it('answers 503 with Retry-After, turns unready, stays live, and recovers with the books intact', async () => {
    const user = uniqueUser('pg-outage');
    await api.credit(user, 5);
    const token = api.token(user);
    expect((await api.get(memePath(), token)).status).toBe(200);

    await proxy.cut();
    try {
      const started = performance.now();
      const answers = await Promise.all(Array.from({ length: 10 }, () => api.get(memePath(), token)));
      // Generous: the connect timeout is 300 ms, and the point is "no hang".
      expect(performance.now() - started).toBeLessThan(3000);
      for (const answer of answers) {
        expect(answer.status).toBe(503);
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await json(answer)).toMatchObject({ code: 'service_unavailable' });
      }
      const ready = await api.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(await json(ready)).toMatchObject({ checks: { postgres: 'down' } });
      expect((await api.get('/health/live')).status).toBe(200);
    } finally {
      await proxy.restore();
    }

    await waitFor(async () => (await api.get('/health/ready')).status === 200);
    await waitFor(async () => (await api.get('/tokens/balance', token)).status === 200);
    // Nothing was charged while the database was away: exactly the one meme before it.
    expect(await api.balance(user)).toMatchObject({ used: 1, remaining: 4 });
    expect((await api.get(memePath(), token)).status).toBe(200);
  });
});
