import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Breakers } from '@maas/core';
import { Balance, balanceOf } from './balance';
import { ArchivedSale, DeferredSales, pageOf, Sale, SaleContent, SaleOutcome, SalePage, SalePosition, TokenLedger, UnmovedCharge } from './ledger.port';
import { IdempotencyKeys, StoredOutcome } from './idempotency-keys';
import { AccountTotals, PurchaseBook } from './purchase-book';
import { SalesArchive } from './sales-archive';

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
    private readonly keys: IdempotencyKeys,
    private readonly breakers: Breakers,
    private readonly deferred: DeferredSales,
    private readonly archive: SalesArchive,
  ) {
    super();
  }

  sell(sale: Sale): Promise<SaleOutcome> {
    return this.breakers.run('postgres', () =>
      this.db.transaction(async (tx) => {
        const key = sale.idempotency;
        if (key) {
          const stored = await this.keys.claim(sale.userId, key.key, key.fingerprint, tx);
          if (stored) return replayOf(stored, key.fingerprint, tx);
        }
        const [rows, count] = await tx.query(
          `UPDATE accounts SET used = used + $2, updated_at = now()
           WHERE user_id = $1 AND purchased + refunded - used >= $2 RETURNING purchased + refunded - used AS remaining`,
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
          if (sale.deferred) await this.deferred.enqueue(tx, [{ id: sale.id, userId: sale.userId, format: sale.format }]);
        } else {
          const [account] = await tx.query('SELECT purchased + refunded - used AS remaining FROM accounts WHERE user_id = $1', [
            sale.userId,
          ]);
          outcome = account ? { kind: 'insufficient', remaining: Number(account.remaining) } : { kind: 'no_account' };
        }
        if (key && outcome.kind === 'no_account') await this.keys.release(sale.userId, key.key, tx);
        else if (key && outcome.kind !== 'no_account') {
          const sold = outcome.kind === 'sold';
          await this.keys.complete(sale.userId, key.key, { status: sold ? 200 : 402, remaining: outcome.remaining, saleId: sold ? sale.id : undefined }, tx);
        }
        return outcome;
      }),
    );
  }

  async markDelivered(sales: readonly { readonly userId: string; readonly saleId: string }[]): Promise<void> {
    await this.breakers.run('postgres', () =>
      this.db.query('INSERT INTO meme_deliveries (meme_id, delivered_at) SELECT unnest($1::varchar[]), now()', [
        sales.map((sale) => sale.saleId),
      ]),
    );
  }

  /** The sale committed before it answered: PostgreSQL has every meme handed out. */
  /** PostgreSQL holds every charge the moment it is made. */
  async unmovedCharges(): Promise<UnmovedCharge[]> {
    return [];
  }

  find(userId: string, saleId: string): Promise<ArchivedSale | undefined> {
    return this.archive.find(userId, saleId);
  }

  async undelivered(userId: string, limit: number, before?: SalePosition): Promise<SalePage> {
    return pageOf(await this.archive.undelivered(userId, limit + 1, before), limit);
  }

  hasStoredAnswer(userId: string, key: string): Promise<boolean> {
    return this.breakers.run('postgres', () => this.keys.hasAnswer(userId, key));
  }

  async balance(userId: string): Promise<Balance | undefined> {
    const totals = await this.book.totals(userId);
    return totals && balanceOf(userId, totals.purchased, totals.used, totals.refunded);
  }

  /** The purchase or refund transaction already changed the row: its totals are the balance. */
  async applyTotals(userId: string, totals: AccountTotals): Promise<Balance> {
    return balanceOf(userId, totals.purchased, totals.used, totals.refunded);
  }
}

/** The stored outcome of an earlier sale with this key, or key_reused if its parameters differ. */
async function replayOf(stored: StoredOutcome, fingerprint: string, tx: EntityManager): Promise<SaleOutcome> {
  if (stored.fingerprint !== fingerprint) return { kind: 'key_reused' };
  const [sale] = stored.saleId ? await tx.query('SELECT content FROM usage_events WHERE id = $1', [stored.saleId]) : [];
  return {
    kind: 'replayed',
    status: stored.status === 200 ? 200 : 402,
    remaining: stored.remaining,
    content: (sale?.content as SaleContent | undefined) ?? undefined,
  };
}
