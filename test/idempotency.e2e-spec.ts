import { DataSource } from 'typeorm';
import { IdempotencyKeys } from '@maas/tokens';
import { json, ledgerModes, memePath, TestApi, testConfig, uniqueUser } from './setup/test-app';

describe.each(ledgerModes())('Idempotency-Key on GET /memes, %s ledger', (mode) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start(testConfig(mode));
  });
  afterAll(() => api.close());

  it('answers 20 concurrent retries with one key with the same meme, charged once', async () => {
    const user = uniqueUser('idem');
    await api.credit(user, 10);
    const token = api.token(user);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => api.get(memePath('retry me'), token, { 'idempotency-key': 'order-42' })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(new Set(bodies).size).toBe(1);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    expect(JSON.parse(bodies[0])).toMatchObject({ query: 'retry me', remaining: 9 });
    expect(await api.balance(user)).toMatchObject({ used: 1, remaining: 9 });
  });

  it('replays later retries verbatim and keeps keys apart per user', async () => {
    const user = uniqueUser('idem-later');
    await api.credit(user, 10);
    const first = await api.get(memePath(), api.token(user), { 'idempotency-key': 'k1' });
    await api.get(memePath(), api.token(user)); // spends another token in between
    const retry = await api.get(memePath(), api.token(user), { 'idempotency-key': 'k1' });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('tokens-remaining')).toBe('9');
    expect(await retry.text()).toBe(await first.text());
    expect(await api.balance(user)).toMatchObject({ used: 2 });

    const other = uniqueUser('idem-other');
    await api.credit(other, 1);
    const theirs = await api.get(memePath(), api.token(other), { 'idempotency-key': 'k1' });
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(await json(theirs)).toMatchObject({ userId: other, remaining: 0 });
  });

  it('refuses the same key with other parameters with 422, charging nothing', async () => {
    const user = uniqueUser('idem-reuse');
    await api.credit(user, 10);
    await api.get(memePath('first'), api.token(user), { 'idempotency-key': 'k' });
    const reused = await api.get(memePath('second'), api.token(user), { 'idempotency-key': 'k' });
    expect(reused.status).toBe(422);
    expect(await json(reused)).toMatchObject({ code: 'idempotency_key_reused' });
    expect(await api.balance(user)).toMatchObject({ used: 1 });
  });

  it('replays a 402 to a retry with the same key', async () => {
    const user = uniqueUser('idem-poor');
    await api.credit(user, 1);
    await api.get(memePath(), api.token(user));
    const refused = await api.get(memePath(), api.token(user), { 'idempotency-key': 'broke' });
    expect(refused.status).toBe(402);
    const again = await api.get(memePath(), api.token(user), { 'idempotency-key': 'broke' });
    expect(again.status).toBe(402);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await json(again)).toMatchObject({ code: 'insufficient_tokens', balance: 0, cost: 1 });
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['non-ASCII', 'clé'],
  ])('refuses a %s key with 400, charging nothing', async (_, key) => {
    const user = uniqueUser('idem-bad');
    await api.credit(user, 3);
    const response = await api.get(memePath(), api.token(user), { 'idempotency-key': key });
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({ code: 'invalid_request', errors: [{ field: 'Idempotency-Key' }] });
    expect(await api.balance(user)).toMatchObject({ used: 0 });
  });
});

describe.each(ledgerModes())('Idempotency-Key on POST /admin/users/:userId/tokens, %s ledger', (mode) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start(testConfig(mode));
  });
  afterAll(() => api.close());

  function credit(admin: string, user: string, amount: number, reference: string, key: string): Promise<Response> {
    return fetch(`${api.baseUrl}/admin/users/${user}/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token(admin, ['admin'])}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ amount, reference }),
    });
  }

  it('replays the first answer to a retry, and refuses the key for another purchase', async () => {
    const [admin, user] = [uniqueUser('admin'), uniqueUser('buyer')];
    const first = await credit(admin, user, 30, `ref-${user}`, 'buy-1');
    expect(first.status).toBe(201);
    const retry = await credit(admin, user, 30, `ref-${user}`, 'buy-1');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.text()).toBe(await first.text());
    const other = await credit(admin, user, 31, `ref2-${user}`, 'buy-1');
    expect(other.status).toBe(422);
    expect(await json(other)).toMatchObject({ code: 'idempotency_key_reused' });
    // Keys are per caller: another admin's key of the same name is a different key.
    expect((await credit(uniqueUser('admin'), user, 5, `ref3-${user}`, 'buy-1')).status).toBe(201);
    expect(await api.balance(user)).toMatchObject({ purchased: 35 });
  });

  it('forgets keys older than IDEMPOTENCY_TTL_HOURS', async () => {
    const [admin, user] = [uniqueUser('admin'), uniqueUser('old-key')];
    expect((await credit(admin, user, 3, `ref-${user}`, 'old')).status).toBe(201);
    const db = api.app.get(DataSource);
    await db.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE user_id = $1`, [admin]);
    expect(await api.app.get(IdempotencyKeys).prune()).toBeGreaterThanOrEqual(1);
    expect(await db.query('SELECT 1 FROM idempotency_keys WHERE user_id = $1', [admin])).toEqual([]);
  });

  it('credits once when retries race: the others are replayed or told it is in progress', async () => {
    const [admin, user] = [uniqueUser('admin'), uniqueUser('racer')];
    const responses = await Promise.all(Array.from({ length: 10 }, () => credit(admin, user, 12, `ref-${user}`, 'race')));
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(responses.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    for (const response of responses.filter((r) => r.status === 409)) {
      expect(await json(response)).toMatchObject({ code: 'idempotency_in_progress' });
      expect(response.headers.get('retry-after')).toBe('1');
    }
    expect(await api.balance(user)).toMatchObject({ purchased: 12 });
  });
});
