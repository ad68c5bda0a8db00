import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, Breakers, RuntimeConfig } from '@maas/core';
import { Balance, balanceOf } from './balance';
import { Sale, SaleOutcome, TokenLedger } from './ledger.port';
import { PurchaseBook } from './purchase-book';

/**
 * Live balances in the `accounts` table. A sale is one transaction: claim the idempotency key,
 * a conditional UPDATE (PostgreSQL's row lock serialises concurrent charges of one account and
 * re-checks the condition, so there is no read-then-write window), the usage row with the meme.
 */
@Injectable()
export class PostgresLedger extends TokenLedger {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly book: PurchaseBook,
    private readonly breakers: Breakers,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {
    super();
  }

  sell(sale: Sale): Promise<SaleOutcome> {
    return this.breakers.run('postgres', () =>
      this.db.transaction(async (tx) => {
        if (sale.idempotency) {
          const earlier = await this.claimKey(tx, sale);
          if (earlier) return earlier;
        }
        const [rows, count] = await tx.query(
          `UPDATE accounts SET used = used + $2, updated_at = now()
           WHERE user_id = $1 AND purchased - used >= $2 RETURNING purchased - used AS remaining`,
          [sale.userId, sale.cost],
        );
        let outcome: SaleOutcome;
        if (count === 1) {
          outcome = { kind: 'sold', remaining: Number(rows[0].remaining) };
          await tx.query(
            `INSERT INTO usage_events (id, user_id, kind, amount, format, at, content)
             VALUES ($1, $2, 'charge', $3, $4, now(), $5)`,
            [sale.id, sale.userId, sale.cost, sale.format, sale.content],
          );
        } else {
          const [account] = await tx.query('SELECT purchased - used AS remaining FROM accounts WHERE user_id = $1', [
            sale.userId,
          ]);
          outcome = account ? { kind: 'insufficient', remaining: Number(account.remaining) } : { kind: 'no_account' };
        }
        if (sale.idempotency && outcome.kind !== 'no_account') {
          await tx.query(
            'UPDATE idempotency_keys SET status = $3, remaining = $4, sale_id = $5 WHERE user_id = $1 AND key = $2',
            [sale.userId, sale.idempotency.key, outcome.kind === 'sold' ? 200 : 402, outcome.remaining, outcome.kind === 'sold' ? sale.id : null],
          );
        } else if (sale.idempotency) {
          await tx.query('DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2', [sale.userId, sale.idempotency.key]);
        }
        return outcome;
      }),
    );
  }

  /**
   * Inserts the key, or finds the outcome stored under it. A concurrent request with the same key
   * waits here for the first one's transaction, then sees its outcome. An expired key is taken over.
   */
  private async claimKey(tx: EntityManager, sale: Sale): Promise<SaleOutcome | undefined> {
    const { key, fingerprint } = sale.idempotency as NonNullable<Sale['idempotency']>;
    const claimed: unknown[] = await tx.query(
      `INSERT INTO idempotency_keys (user_id, key, fingerprint, status, remaining) VALUES ($1, $2, $3, 0, 0)
       ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, status = 0, remaining = 0,
         sale_id = NULL, created_at = now()
       WHERE idempotency_keys.created_at < now() - make_interval(hours => $4)
       RETURNING 1`,
      [sale.userId, key, fingerprint, this.config.idempotencyTtlHours],
    );
    if (claimed.length === 1) return undefined;
    const [stored] = await tx.query(
      `SELECT k.fingerprint, k.status, k.remaining, e.content FROM idempotency_keys k
       LEFT JOIN usage_events e ON e.id = k.sale_id WHERE k.user_id = $1 AND k.key = $2`,
      [sale.userId, key],
    );
    if (stored.fingerprint !== fingerprint) return { kind: 'key_reused' };
    return { kind: 'replayed', status: stored.status, remaining: Number(stored.remaining), content: stored.content ?? undefined };
  }

  refund(userId: string, saleId: string, amount: number, format: string): Promise<boolean> {
    return this.breakers.run('postgres', () =>
      this.db.transaction(async (tx) => {
        const inserted: unknown[] = await tx.query(
          `INSERT INTO usage_events (id, user_id, kind, amount, format, at) VALUES ($1, $2, 'refund', $3, $4, now())
           ON CONFLICT (id) DO NOTHING RETURNING 1`,
          [`${saleId}:refund`, userId, amount, format],
        );
        if (inserted.length === 0) return false;
        await tx.query('UPDATE accounts SET used = used - $2, updated_at = now() WHERE user_id = $1', [userId, amount]);
        return true;
      }),
    );
  }

  async markDelivered(sales: readonly { readonly userId: string; readonly saleId: string }[]): Promise<void> {
    await this.breakers.run('postgres', () =>
      this.db.query('UPDATE usage_events SET delivered_at = now() WHERE id = ANY($1) AND delivered_at IS NULL', [
        sales.map((sale) => sale.saleId),
      ]),
    );
  }

  async balance(userId: string): Promise<Balance | undefined> {
    const totals = await this.book.totals(userId);
    return totals && balanceOf(userId, totals.purchased, totals.used);
  }

  /** The purchase transaction already raised the row; there is nothing left to apply. */
  async applyPurchases(userId: string): Promise<Balance> {
    const balance = await this.balance(userId);
    if (!balance) throw new Error(`No account for ${userId} after a recorded purchase`);
    return balance;
  }
}
