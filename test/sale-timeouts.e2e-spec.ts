import { LedgerClock } from '@maas/tokens';
import { freePort } from './setup/ports';
import { RedisServerProcess } from './setup/redis-server';
import { TcpProxy } from './setup/tcp-proxy';
import { json, Json, memePath, redisSkipReason, TestApi, testConfig, uniqueUser } from './setup/test-app';

const TIMEOUT_MS = 150;
/** At most this many sales, over at most RUN_MS. */
const SALES = 600;
const RUN_MS = 7000;
const IN_FLIGHT = 4;
const PACE_MS = 40;

async function metric(api: TestApi, name: string): Promise<number> {
  const text = await (await fetch(`${api.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : 0;
}

(redisSkipReason ? describe.skip : describe)('Redis mode: a sale whose answer is lost', () => {
  let redis: RedisServerProcess;
  let proxy: TcpProxy;
  let api: TestApi;

  beforeAll(async () => {
    redis = new RedisServerProcess(await freePort());
    await redis.start();
    proxy = new TcpProxy({ host: '127.0.0.1', port: redis.port }, await freePort());
    await proxy.start();
    api = await TestApi.start(
      testConfig('redis', { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REDIS_COMMAND_TIMEOUT_MS: String(TIMEOUT_MS), WORKER_IN_PROCESS: 'false' }),
    );
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await proxy?.cut();
    await redis?.stop();
  });

  it('is looked up before answering: every 503 uncharged, every charge answered or retrievable, totals exact', async () => {
    const user = uniqueUser('lost-answer');
    await api.credit(user, 10_000);
    const token = api.token(user);
    const answers: { status: number; body: Json }[] = [];
    let next = 0;
    let holding = true;
    let slow = 0;
    // In turn: Redis' replies held for 600 ms (sales time out after running in Redis), or Redis
    // frozen for 300 ms (sales time out before running, and arrive past their deadline); then
    // long enough for the Redis breaker, opened by the timeouts, to close again.
    const end = Date.now() + RUN_MS;
    const flapping = (async () => {
      for (let round = 0; holding; round++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        if (round % 2 === 0) proxy.holdReplies();
        else redis.pause();
        await new Promise((resolve) => setTimeout(resolve, round % 2 === 0 ? 600 : 300));
        proxy.releaseReplies();
        redis.resume();
        await new Promise((resolve) => setTimeout(resolve, 2500));
      }
    })();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < SALES && Date.now() < end) {
          next++;
          await new Promise((resolve) => setTimeout(resolve, PACE_MS));
          const started = Date.now();
          const response = await api.get(memePath(), token);
          if (Date.now() - started >= TIMEOUT_MS) slow++;
          answers.push({ status: response.status, body: await json(response) });
        }
      }),
    );
    holding = false;
    await flapping;
    proxy.releaseReplies();

    const sold = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 503 && a.body.code === 'service_unavailable');
    const unknown = answers.filter((a) => a.status === 503 && a.body.code === 'sale_outcome_unknown');
    expect(sold.length + refused.length + unknown.length).toBe(answers.length);
    let unknownSold = 0;
    for (const { body } of unknown) {
      const response = await api.get(`/memes/${body.memeId}`, token);
      expect([200, 404]).toContain(response.status);
      if (response.status === 200) unknownSold++;
    }
    for (const { body } of sold) expect((await api.get(`/memes/${body.id}`, token)).status).toBe(200);
    const { used } = await api.balance(user);
    process.stdout.write(
      `[lost answers] ${slow} sales outlived the command timeout; ${sold.length} sold, ${refused.length} refused uncharged, ${unknown.length} unknown (${unknownSold} sold)\n`,
    );
    expect(used).toBe(sold.length + unknownSold);
    expect(sold.length).toBeGreaterThan(0);
    expect(slow).toBeGreaterThan(0);
  }, 120_000);

  it.each([2000, -2000])('sells with the API clock %i ms off Redis, and after a clock step', async (skew) => {
    const user = uniqueUser('skew');
    await api.credit(user, 100);
    const clock = api.app.get(LedgerClock);
    const expiredBefore = await metric(api, 'maas_sales_expired_total');
    const spy = jest.spyOn(clock, 'now').mockImplementation(() => Date.now() + skew);
    try {
      for (let i = 0; i < 5; i++) expect((await api.get(memePath(), api.token(user))).status).toBe(200);
      // The clock steps back by 5 s: the next deadline is wrong, found out, and the sale retried.
      spy.mockImplementation(() => Date.now() + skew - 5000);
      for (let i = 0; i < 5; i++) expect((await api.get(memePath(), api.token(user))).status).toBe(200);
    } finally {
      spy.mockRestore();
    }
    expect(await api.balance(user)).toMatchObject({ used: 10, remaining: 90 });
    expect((await metric(api, 'maas_sales_expired_total')) - expiredBefore).toBe(1);
  });
});
