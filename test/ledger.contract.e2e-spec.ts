import { randomUUID } from 'node:crypto';
import { TokenLedger, TokensService } from '@maas/tokens';
import { ledgerModes, TestApi, testConfig, uniqueUser } from './setup/test-app';

/** One contract, every adapter: the ledger's rules do not depend on where balances live. */
describe.each(ledgerModes())('TokenLedger contract, %s adapter', (mode) => {
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

  it('knows no balance for a user never credited, and charges nothing there', async () => {
    const user = uniqueUser('nobody');
    expect(await ledger.balance(user)).toBeUndefined();
    expect(await ledger.charge(user, 1)).toEqual({ kind: 'no_account' });
    expect(await ledger.balance(user)).toBeUndefined();
  });

  it('charges while the balance covers the cost, then refuses without changing it', async () => {
    const user = await account(7);
    expect(await ledger.charge(user, 3)).toEqual({ kind: 'charged', remaining: 4 });
    expect(await ledger.charge(user, 4)).toEqual({ kind: 'charged', remaining: 0 });
    expect(await ledger.charge(user, 1)).toEqual({ kind: 'insufficient', remaining: 0 });
    expect(await ledger.balance(user)).toEqual({ userId: user, purchased: 7, used: 7, remaining: 0 });
  });

  it('refuses a cost larger than the balance even when some tokens remain', async () => {
    const user = await account(5);
    expect(await ledger.charge(user, 6)).toEqual({ kind: 'insufficient', remaining: 5 });
    expect(await ledger.balance(user)).toMatchObject({ used: 0, remaining: 5 });
  });

  it('refunds a charge, and never below zero used', async () => {
    const user = await account(5);
    await ledger.charge(user, 2);
    await ledger.refund(user, 2);
    expect(await ledger.balance(user)).toMatchObject({ used: 0, remaining: 5 });
    await ledger.refund(user, 1);
    expect(await ledger.balance(user)).toMatchObject({ used: 0, remaining: 5 });
  });

  it('applies purchases idempotently and in any order', async () => {
    const user = await account(10);
    await tokens.credit(user, 5, `late-${user}`);
    const total = (await ledger.balance(user))?.purchased;
    expect(total).toBe(15);
    expect(await ledger.applyPurchases(user, 15)).toMatchObject({ purchased: 15 });
    expect(await ledger.applyPurchases(user, 10)).toMatchObject({ purchased: 15 });
    expect(await ledger.balance(user)).toMatchObject({ purchased: 15, used: 0, remaining: 15 });
  });

  it('never overdraws under 300 concurrent charges of 3 against 100 tokens', async () => {
    const user = await account(100);
    const outcomes = await Promise.all(Array.from({ length: 300 }, () => ledger.charge(user, 3)));
    const charged = outcomes.filter((o) => o.kind === 'charged');
    expect(charged).toHaveLength(33);
    expect(outcomes.filter((o) => o.kind === 'insufficient')).toHaveLength(267);
    // Every winner saw a different balance: no two charges read the same state.
    expect(new Set(charged.map((o) => (o.kind === 'charged' ? o.remaining : -1))).size).toBe(33);
    expect(await ledger.balance(user)).toEqual({ userId: user, purchased: 100, used: 99, remaining: 1 });
  });

  it('keeps the books exact when charges and refunds race', async () => {
    const user = await account(50);
    let charged = 0;
    let refunded = 0;
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const outcome = await ledger.charge(user, 1);
        if (outcome.kind !== 'charged') return;
        charged++;
        if (i % 2 === 0) {
          await ledger.refund(user, 1);
          refunded++;
        }
      }),
    );
    expect(charged).toBeGreaterThanOrEqual(50);
    expect(await ledger.balance(user)).toEqual({
      userId: user,
      purchased: 50,
      used: charged - refunded,
      remaining: 50 - charged + refunded,
    });
  });
});
