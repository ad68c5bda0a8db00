import { DataSource } from 'typeorm';
import { freePort } from './setup/ports';
import { RedisServerProcess } from './setup/redis-server';
import { json, Json, ledgerModes, memePath, redisSkipReason, TestApi, testConfig, uniqueUser } from './setup/test-app';

/** Every page of a transactions list, following the Link headers. */
async function allPages(api: TestApi, token: string, first: string): Promise<Json[][]> {
  const pages: Json[][] = [];
  let path: string | undefined = first;
  while (path) {
    const response = await api.get(path, token);
    expect(response.status).toBe(200);
    pages.push((await json(response)) as unknown as Json[]);
    path = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
  }
  return pages;
}

/** 30 text and 6 image memes at once against 40 tokens bought twice: some are refused. */
async function buyConcurrently(api: TestApi, user: string): Promise<{ sold: Map<string, number>; refused: number }> {
  expect((await api.credit(user, 25, `first-${user}`)).status).toBe(201);
  expect((await api.credit(user, 15, `second-${user}`)).status).toBe(201);
  const answers = await Promise.all(
    Array.from({ length: 36 }, (_, i) => api.get(`${memePath(`ledger ${i}`)}${i % 6 === 0 ? '&format=image' : ''}`, api.token(user))),
  );
  const sold = new Map<string, number>();
  let refused = 0;
  for (const answer of answers) {
    const body = await json(answer);
    if (answer.status === 200) sold.set(body.id as string, body.cost as number);
    else {
      expect(answer.status).toBe(402);
      refused++;
    }
  }
  return { sold, refused };
}

/** The list is the ledger: amounts sum to the balance, each balance follows from the one before. */
function expectExact(entries: Json[], remaining: number, sold: Map<string, number>, purchases: Record<string, number>): void {
  expect(entries.reduce((sum, entry) => sum + (entry.amount as number), 0)).toBe(remaining);
  expect(entries[0].balanceAfter).toBe(remaining);
  entries.forEach((entry, i) => {
    const older = entries[i + 1];
    expect(entry.balanceAfter).toBe((older ? (older.balanceAfter as number) : 0) + (entry.amount as number));
    expect(entry.balanceAfter).toBeGreaterThanOrEqual(0);
  });
  const charges = entries.filter((entry) => entry.type === 'charge');
  expect(new Map(charges.map((entry) => [entry.memeId, -entry.amount]))).toEqual(sold);
  expect(charges.map((entry) => entry.id).sort()).toEqual([...sold.keys()].sort());
  expect(Object.fromEntries(entries.filter((entry) => entry.type === 'purchase').map((entry) => [entry.reference, entry.amount]))).toEqual(purchases);
  expect(new Set(entries.map((entry) => entry.id)).size).toBe(entries.length);
}

function exactAfterConcurrentCharges(api: () => TestApi, unmoved = false): void {
  it('lists every purchase and charge once, in pages, summing exactly to the balance after concurrent charges', async () => {
    const user = uniqueUser('ledger');
    const { sold, refused } = await buyConcurrently(api(), user);
    expect(sold.size).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    if (unmoved) {
      const [{ n }] = await api().app.get(DataSource).query('SELECT count(*)::int AS n FROM usage_events WHERE user_id = $1', [user]);
      expect(n).toBe(0);
    }
    const { remaining } = await api().balance(user);
    expect(remaining).toBe(40 - [...sold.values()].reduce((sum, cost) => sum + cost, 0));

    const pages = await allPages(api(), api().token(user), '/tokens/transactions?limit=7');
    expect(pages.slice(0, -1).every((page) => page.length === 7)).toBe(true);
    const entries = pages.flat();
    expect(entries).toHaveLength(sold.size + 2);
    expectExact(entries, remaining, sold, { [`first-${user}`]: 25, [`second-${user}`]: 15 });
    const times = entries.map((entry) => Date.parse(entry.at as string));
    expect(times).toEqual([...times].sort((x, y) => y - x));
  });
}

describe.each(ledgerModes())('GET /tokens/transactions, %s ledger', (mode) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await TestApi.start(testConfig(mode));
  });
  afterAll(() => api.close());

  exactAfterConcurrentCharges(() => api);

  it('filters by type, meme format and time, and exports the same as CSV', async () => {
    const user = uniqueUser('filters');
    const { sold } = await buyConcurrently(api, user);
    const token = api.token(user);
    const everything = (await allPages(api, token, '/tokens/transactions')).flat();

    const purchases = (await allPages(api, token, '/tokens/transactions?type=purchase')).flat();
    expect(purchases).toEqual(everything.filter((entry) => entry.type === 'purchase'));
    const images = (await allPages(api, token, '/tokens/transactions?type=charge&memeFormat=image&limit=2')).flat();
    expect(images).toEqual(everything.filter((entry) => entry.format === 'image'));
    expect(images.length).toBe([...sold.values()].filter((cost) => cost === 3).length);
    // The balance after an entry is the ledger's, whatever the filter leaves out.
    expect(images.map((entry) => entry.balanceAfter)).toEqual(everything.filter((entry) => entry.format === 'image').map((entry) => entry.balanceAfter));

    const middle = everything[Math.floor(everything.length / 2)];
    const before = (await allPages(api, token, `/tokens/transactions?to=${encodeURIComponent(middle.at as string)}`)).flat();
    expect(before).toEqual(everything.filter((entry) => Date.parse(entry.at as string) < Date.parse(middle.at as string)));
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect((await allPages(api, token, `/tokens/transactions?from=${tomorrow}`)).flat()).toEqual([]);

    const csv = await api.get('/tokens/transactions?format=csv', token);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,type,amount,balanceAfter,at,format,memeId,reference');
    expect(lines.slice(1)).toEqual(
      everything.map((entry) => [entry.id, entry.type, entry.amount, entry.balanceAfter, entry.at, entry.format ?? '', entry.memeId ?? '', entry.reference ?? ''].join(',')),
    );
  });

  it('lets an admin read any user, and no one else', async () => {
    const user = uniqueUser('admin-reads');
    await api.credit(user, 5, `ref-${user}`);
    const admin = api.token(uniqueUser('admin'), ['admin']);
    const listed = await json(await api.get(`/admin/users/${user}/transactions`, admin));
    expect(listed).toMatchObject([{ id: `ref-${user}`, type: 'purchase', amount: 5, balanceAfter: 5, reference: `ref-${user}`, memeId: null }]);
    expect((await api.get(`/admin/users/${user}/transactions`, api.token(uniqueUser('nosy')))).status).toBe(403);
    expect(await json(await api.get('/tokens/transactions', api.token(uniqueUser('stranger'))))).toEqual([]);
  });

  it.each([
    ['an unknown type', 'type=gift', 'type'],
    ['an empty type', 'type=', 'type'],
    ['a limit of 0', 'limit=0', 'limit'],
    ['a limit above 100', 'limit=101', 'limit'],
    ['a forged cursor', 'cursor=bm9wZQ', 'cursor'],
    ['a day that does not exist', 'from=2026-02-30', 'from'],
    ['a time without an offset', 'to=2026-02-03T10:00:00', 'to'],
    ['a time on a day that does not exist', 'to=2026-04-31T10:00:00Z', 'to'],
    ['a time that does not exist', 'to=2026-04-30T25:00:00Z', 'to'],
    ['from after to', 'from=2026-02-03&to=2026-02-01', 'from'],
    ['an output format other than csv', 'format=xml', 'format'],
    ['a malformed meme format', 'memeFormat=IMAGE!', 'memeFormat'],
  ])('refuses %s with a 400 naming the parameter', async (_, query, field) => {
    const response = await api.get(`/tokens/transactions?${query}`, api.token(uniqueUser('bad')));
    expect(response.status).toBe(400);
    const problem = await json(response);
    expect(problem).toMatchObject({ code: 'invalid_request' });
    expect(problem.errors.map((error: Json) => error.field)).toEqual([field]);
  });
});

(redisSkipReason ? describe.skip : describe)('GET /tokens/transactions, Redis ledger with no worker running', () => {
  let redis: RedisServerProcess;
  let api: TestApi;
  beforeAll(async () => {
    redis = new RedisServerProcess(await freePort());
    await redis.start();
    api = await TestApi.start(testConfig('redis', { REDIS_URL: redis.url, WORKER_IN_PROCESS: 'false' }));
  });
  afterAll(async () => {
    await api?.close();
    await redis?.stop();
  });

  // Nothing moves the charges to PostgreSQL: the list reads them from Redis.
  exactAfterConcurrentCharges(() => api, true);
});
