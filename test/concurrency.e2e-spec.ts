import { randomUUID } from 'node:crypto';
import { json, ledgerModes, memePath, TestApi, testConfig, uniqueUser } from './setup/test-app';

/** Runs `total` tasks with at most `inFlight` at once; returns results in order. */
async function pool<T>(total: number, inFlight: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(total);
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

describe.each(ledgerModes({ cluster: true }))('concurrency, %s ledger', (mode) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start(testConfig(mode));
  });
  afterAll(() => api.close());

  it('sells exactly 50 memes from 50 tokens when 500 requests race, 100 in flight', async () => {
    const user = uniqueUser('race');
    expect((await api.credit(user, 50)).status).toBe(201);
    const token = api.token(user);

    const statuses = await pool(500, 100, async (i) => {
      const response = await api.get(memePath(`race ${i}`), token);
      await response.arrayBuffer();
      return response.status;
    });

    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
    expect(statuses.filter((s) => s === 402)).toHaveLength(450);
    expect(await api.balance(user)).toEqual({ userId: user, purchased: 50, used: 50, remaining: 0 });
  });

  it('never reports the same remaining balance twice to concurrent winners', async () => {
    const user = uniqueUser('remaining');
    await api.credit(user, 30);
    const token = api.token(user);
    const bodies = await pool(60, 60, async () => json(await api.get(memePath(), token)));
    const remaining = bodies.filter((b) => b.remaining !== undefined).map((b) => b.remaining as number);
    expect(remaining.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('credits a purchase reference exactly once when 20 duplicates race', async () => {
    const user = uniqueUser('dup');
    const reference = `order-${randomUUID()}`;
    const statuses = await Promise.all(Array.from({ length: 20 }, () => api.credit(user, 25, reference).then((r) => r.status)));
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    expect(await api.balance(user)).toMatchObject({ purchased: 25, remaining: 25 });
  });

  it('adds up concurrent distinct purchases without losing one', async () => {
    const user = uniqueUser('sum');
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => api.credit(user, i + 1).then((r) => r.status)));
    expect(statuses.every((s) => s === 201)).toBe(true);
    expect(await api.balance(user)).toMatchObject({ purchased: 210, used: 0 });
  });

  it('keeps purchases and charges exact when they interleave', async () => {
    const user = uniqueUser('mix');
    await api.credit(user, 10);
    const token = api.token(user);
    const [memes] = await Promise.all([
      pool(200, 50, async () => (await api.get(memePath(), token)).status),
      pool(10, 5, async () => (await api.credit(user, 5)).status),
    ]);
    const sold = memes.filter((s) => s === 200).length;
    expect(memes.every((s) => s === 200 || s === 402)).toBe(true);
    // Which requests beat which credits is up to the scheduler; the books must balance either way.
    expect(await api.balance(user)).toEqual({ userId: user, purchased: 60, used: sold, remaining: 60 - sold });
    const rest = await pool(100, 20, async () => (await api.get(memePath(), token)).status);
    expect(sold + rest.filter((s) => s === 200).length).toBe(60);
    expect(await api.balance(user)).toEqual({ userId: user, purchased: 60, used: 60, remaining: 0 });
  });
});
