import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Refunds, Sale, SaleOutcome, TokenLedger, TokensService } from '@maas/tokens';
import { ledgerModes, TestApi, testConfig, uniqueUser, waitFor } from './setup/test-app';

/** One contract, every adapter: the ledger's rules do not depend on where balances live. */
describe.each(ledgerModes({ cluster: true }))('TokenLedger contract, %s adapter', (mode) => {
  let api: TestApi;
  let ledger: TokenLedger;
  let tokens: TokensService;

  beforeAll(async () => {
    api = await TestApi.start(testConfig(mode));
    ledger = api.app.get(TokenLedger);
    tokens = api.app.get(TokensService);
  });
  afterAll(() => api.close());

  async function account(amount: number): Promise<string> {
    const user = uniqueUser(`contract-${mode}`);
    await tokens.credit(user, amount, randomUUID());
    return user;
  }

  function sale(userId: string, cost: number, extra: Partial<Sale> = {}): Sale {
    const id = randomUUID();
    return { id, userId, cost, format: 'text', content: { id, meme: `meme ${id}` }, ...extra };
  }

  const sell = (userId: string, cost: number): Promise<SaleOutcome> => ledger.sell(sale(userId, cost));

  it('knows no balance for a user never credited, and charges nothing there', async () => {
    const user = uniqueUser('nobody');
    expect(await ledger.balance(user)).toBeUndefined();
    expect(await sell(user, 1)).toEqual({ kind: 'no_account' });
    expect(await ledger.balance(user)).toBeUndefined();
  });

  it('charges while the balance covers the cost, then refuses without changing it', async () => {
    const user = await account(7);
    expect(await sell(user, 3)).toEqual({ kind: 'sold', remaining: 4 });
    expect(await sell(user, 4)).toEqual({ kind: 'sold', remaining: 0 });
    expect(await sell(user, 1)).toEqual({ kind: 'insufficient', remaining: 0 });
    expect(await ledger.balance(user)).toEqual({ userId: user, purchased: 7, used: 7, remaining: 0 });
  });

  it('refuses a cost larger than the balance even when some tokens remain', async () => {
    const user = await account(5);
    expect(await sell(user, 6)).toEqual({ kind: 'insufficient', remaining: 5 });
    expect(await ledger.balance(user)).toMatchObject({ used: 0, remaining: 5 });
  });

  it('applies purchases idempotently and in any order', async () => {
    const user = await account(10);
    await tokens.credit(user, 5, `late-${user}`);
    expect((await ledger.balance(user))?.purchased).toBe(15);
    expect(await ledger.applyTotals(user, { purchased: 15, used: 0, refunded: 0, seq: 0 })).toMatchObject({ purchased: 15 });
    // An older total arriving late (a slower purchase's application) changes nothing.
    await ledger.applyTotals(user, { purchased: 10, used: 0, refunded: 0, seq: 0 });
    expect(await ledger.balance(user)).toMatchObject({ purchased: 15, used: 0, remaining: 15 });
  });

  it('gives a refund back once, however often it is recorded and applied, and the tokens can be spent again', async () => {
    const user = await account(10);
    const charge = sale(user, 4);
    expect(await ledger.sell(charge)).toEqual({ kind: 'sold', remaining: 6 });
    const db = api.app.get(DataSource);
    const refunds = api.app.get(Refunds);
    // Redis mode: the charge reaches PostgreSQL through the usage drain.
    await waitFor(async () => (await db.query('SELECT 1 FROM usage_events WHERE id = $1', [charge.id])).length === 1);
    const refunded = await Promise.all([1, 2, 3].map(() => db.transaction((tx) => refunds.record(tx, charge.id))));
    expect(refunded.filter(Boolean)).toHaveLength(1);
    await Promise.all([refunds.apply(user), refunds.apply(user)]);
    expect(await ledger.balance(user)).toEqual({ userId: user, purchased: 10, used: 0, remaining: 10 });
    expect(await db.transaction((tx) => refunds.record(tx, randomUUID()))).toBe(false);
    expect(await sell(user, 10)).toEqual({ kind: 'sold', remaining: 0 });
    expect(await sell(user, 1)).toEqual({ kind: 'insufficient', remaining: 0 });
  });

  it('never overdraws under 300 concurrent charges of 3 against 100 tokens', async () => {
    const user = await account(100);
    const outcomes = await Promise.all(Array.from({ length: 300 }, () => sell(user, 3)));
    const sold = outcomes.filter((o) => o.kind === 'sold');
    expect(sold).toHaveLength(33);
    expect(outcomes.filter((o) => o.kind === 'insufficient')).toHaveLength(267);
    // Every winner saw a different balance: no two charges read the same state.
    expect(new Set(sold.map((o) => (o.kind === 'sold' ? o.remaining : -1))).size).toBe(33);
    expect(await ledger.balance(user)).toEqual({ userId: user, purchased: 100, used: 99, remaining: 1 });
  });

  describe('idempotency keys', () => {
    const key = (user: string) => ({ key: `key-${user}`, fingerprint: 'a'.repeat(40) });

    it('replays the first sale to every retry, charging once', async () => {
      const user = await account(10);
      const first = sale(user, 3, { idempotency: key(user) });
      expect(await ledger.sell(first)).toEqual({ kind: 'sold', remaining: 7 });
      const retry = sale(user, 3, { idempotency: key(user) });
      expect(await ledger.sell(retry)).toEqual({ kind: 'replayed', status: 200, remaining: 7, content: first.content });
      expect(await ledger.balance(user)).toMatchObject({ used: 3 });
    });

    it('charges exactly once when 20 retries with one key race', async () => {
      const user = await account(10);
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => ledger.sell(sale(user, 2, { idempotency: key(user) }))));
      expect(outcomes.filter((o) => o.kind === 'sold')).toHaveLength(1);
      expect(outcomes.filter((o) => o.kind === 'replayed')).toHaveLength(19);
      const contents = new Set(outcomes.map((o) => JSON.stringify(o.kind === 'replayed' ? o.content : undefined)));
      expect(contents.size).toBe(2); // undefined for the sale itself, and the one replayed meme
      expect(await ledger.balance(user)).toMatchObject({ used: 2, remaining: 8 });
    });

    it('refuses the key with other parameters', async () => {
      const user = await account(10);
      await ledger.sell(sale(user, 1, { idempotency: key(user) }));
      const other = sale(user, 1, { idempotency: { key: `key-${user}`, fingerprint: 'b'.repeat(40) } });
      expect(await ledger.sell(other)).toEqual({ kind: 'key_reused' });
      expect(await ledger.balance(user)).toMatchObject({ used: 1 });
    });

    it('replays a refusal too, and keys are per user', async () => {
      const user = await account(1);
      expect(await ledger.sell(sale(user, 5, { idempotency: key(user) }))).toEqual({ kind: 'insufficient', remaining: 1 });
      expect(await ledger.sell(sale(user, 5, { idempotency: key(user) }))).toEqual({ kind: 'replayed', status: 402, remaining: 1 });
      const other = await account(9);
      expect(await ledger.sell(sale(other, 5, { idempotency: key(user) }))).toEqual({ kind: 'sold', remaining: 4 });
    });
  });
});
