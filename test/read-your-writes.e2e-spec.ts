import { DataSource } from 'typeorm';
import { Redis } from 'ioredis';
import { MemesService } from '@maas/memes';
import { freePort } from './setup/ports';
import { RedisServerProcess } from './setup/redis-server';
import { json, Json, memePath, redisSkipReason, TestApi, testConfig, uniqueUser, waitFor } from './setup/test-app';

/** What a client sees of a meme that must not change when the worker moves it to PostgreSQL. */
function seen(meme: Json): Json {
  const { status: _, meme: __, ...rest } = meme;
  return meme.format === 'video' ? rest : meme;
}

async function pages(api: TestApi, userId: string, limit: number): Promise<string[][]> {
  const all: string[][] = [];
  let path: string | undefined = `/memes/undelivered?limit=${limit}`;
  while (path) {
    const response = await api.get(path, api.token(userId));
    expect(response.status).toBe(200);
    all.push(((await json(response)) as unknown as Json[]).map((meme) => meme.id as string));
    path = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
  }
  return all;
}

(redisSkipReason ? describe.skip : describe)('Redis mode: a sold meme is readable at once, with no worker running', () => {
  let redis: RedisServerProcess;
  let a: TestApi;
  let b: TestApi;
  let db: DataSource;
  let raw: Redis;

  beforeAll(async () => {
    redis = new RedisServerProcess(await freePort());
    await redis.start();
    const env = { REDIS_URL: redis.url, WORKER_IN_PROCESS: 'false', ASYNC_FORMATS: 'video' };
    a = await TestApi.start(testConfig('redis', env));
    b = await TestApi.start(testConfig('redis', env));
    db = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL });
    await db.initialize();
    raw = new Redis(redis.url);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), db?.destroy()]);
    raw?.disconnect();
    await redis?.stop();
  });

  it('answers every id at once on both instances, never to a stranger, and the same after the worker moved them', async () => {
    const user = uniqueUser('ryw');
    const stranger = uniqueUser('ryw-stranger');
    await a.credit(user, 100);
    await a.credit(stranger, 100);
    const sold: Json[] = [];
    for (const format of ['text', 'image', 'video']) {
      const response = await a.get(`${memePath()}&format=${format}`, a.token(user));
      expect(response.status).toBe(format === 'video' ? 202 : 200);
      sold.push(await json(response));
    }
    const location = sold[2].statusUrl as string;
    // Each answer was handed to the network: its delivery mark is written within a flush (100 ms).
    await waitFor(async () => {
      const reads = await Promise.all(sold.map(async (meme) => json(await a.get(`/memes/${meme.id}`, a.token(user)))));
      return reads.every((read) => read.deliveredAt !== null);
    });
    const firstReads: Json[] = [];
    for (const meme of sold) {
      for (const api of [a, b]) {
        const response = await api.get(`/memes/${meme.id}`, api.token(user));
        expect(response.status).toBe(200);
        const read = await json(response);
        expect(read).toMatchObject({ id: meme.id, format: meme.format, caption: meme.caption, cost: meme.cost, createdAt: meme.createdAt });
        expect((await api.get(`/memes/${meme.id}`, api.token(stranger))).status).toBe(404);
        if (api === b) firstReads.push(read);
      }
    }
    expect((await b.get(location, b.token(user))).status).toBe(200);
    // Nothing moved to PostgreSQL: these answers came from Redis.
    const inPostgres: { n: number }[] = await db.query(`SELECT count(*)::int AS n FROM usage_events WHERE user_id = $1`, [user]);
    expect(inPostgres[0].n).toBe(0);
    expect(await a.balance(user)).toMatchObject({ remaining: 100 - 1 - 3 - 10 });

    // A worker starts: the sales move to PostgreSQL and leave Redis; nothing the client sees changes.
    const worker = await TestApi.start(testConfig('redis', { REDIS_URL: redis.url, WORKER_IN_PROCESS: 'true', ASYNC_FORMATS: 'video' }));
    try {
      await waitFor(async () => {
        const rows: { n: number }[] = await db.query(`SELECT count(*)::int AS n FROM usage_events WHERE user_id = $1`, [user]);
        const held = (await raw.keys(`*:s:${user}`)).length;
        return rows[0].n === 3 && held === 0;
      }, 20_000);
      for (const [i, meme] of sold.entries()) {
        const response = await a.get(`/memes/${meme.id}`, a.token(user));
        expect(response.status).toBe(200);
        expect(seen(await json(response))).toEqual(seen(firstReads[i]));
      }
      expect(await a.balance(user)).toMatchObject({ remaining: 86 });
    } finally {
      await worker.close();
    }
  }, 90_000);

  it('lists undelivered memes still in Redis, page by page, the same before and after the worker moved them', async () => {
    const user = uniqueUser('ryw-undelivered');
    await a.credit(user, 100);
    const memes = a.app.get(MemesService);
    const ids: string[] = [];
    // Sold without an HTTP answer: never delivered. A millisecond apart, so that the newest-first
    // order is the order of sale (sales of one millisecond are ordered by id).
    for (let i = 0; i < 7; i++) {
      ids.push((await memes.create(user, { lat: 48.85, lon: 2.35, query: `undelivered ${i}`, format: 'text' })).meme.id);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const newestFirst = [...ids].reverse();

    const before = await pages(b, user, 3);
    expect(before.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(before.flat()).toEqual(newestFirst);

    // Reading one marks it delivered: it leaves the list at once.
    expect((await b.get(`/memes/${ids[6]}`, b.token(user))).status).toBe(200);
    await waitFor(async () => (await pages(a, user, 100)).flat().length === 6);
    expect((await pages(a, user, 100)).flat()).toEqual(newestFirst.slice(1));

    const firstPage = (await pages(a, user, 4))[0];
    const worker = await TestApi.start(testConfig('redis', { REDIS_URL: redis.url, WORKER_IN_PROCESS: 'true' }));
    try {
      await waitFor(async () => (await raw.keys(`*:s:${user}`)).length === 0, 20_000);
      expect((await pages(a, user, 4)).flat()).toEqual(newestFirst.slice(1));
      expect((await pages(a, user, 4))[0]).toEqual(firstPage);
      const delivered: { n: number }[] = await db.query(`SELECT count(DISTINCT meme_id)::int AS n FROM meme_deliveries WHERE meme_id = ANY($1)`, [ids]);
      expect(delivered[0].n).toBe(1);
    } finally {
      await worker.close();
    }
  }, 90_000);

  it('refuses a cursor it did not hand out and a limit out of range', async () => {
    const user = uniqueUser('ryw-cursor');
    await a.credit(user, 1);
    for (const query of ['cursor=nonsense', 'limit=0', 'limit=101', 'limit=1.5']) {
      const response = await a.get(`/memes/undelivered?${query}`, a.token(user));
      expect(response.status).toBe(400);
      expect((await json(response)).code).toBe('invalid_request');
    }
  });
});
