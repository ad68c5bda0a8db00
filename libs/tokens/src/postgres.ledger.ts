import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Balance, balanceOf } from './balance';
import { ChargeOutcome, TokenLedger } from './ledger.port';
import { PurchaseBook, withDatabase } from './purchase-book';

/**
 * Live balances in the `accounts` table. A charge is one conditional UPDATE: PostgreSQL's row
 * lock serialises concurrent charges of one account and re-checks the condition, so there is
 * no read-then-write window and no overdraft.
 */
@Injectable()
export class PostgresLedger extends TokenLedger {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly book: PurchaseBook,
  ) {
    super();
  }

  async charge(userId: string, cost: number): Promise<ChargeOutcome> {
    return withDatabase(async () => {
      const [updated, count] = await this.db.query(
        `UPDATE accounts SET used = used + $2, updated_at = now()
         WHERE user_id = $1 AND purchased - used >= $2 RETURNING purchased - used AS remaining`,
        [userId, cost],
      );
      if (count === 1) return { kind: 'charged', remaining: Number(updated[0].remaining) };
      const totals = await this.book.totals(userId);
      return totals ? { kind: 'insufficient', remaining: totals.purchased - totals.used } : { kind: 'no_account' };
    });
  }

  async refund(userId: string, cost: number): Promise<void> {
    await withDatabase(() =>
      this.db.query('UPDATE accounts SET used = used - $2, updated_at = now() WHERE user_id = $1 AND used >= $2', [
        userId,
        cost,
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
