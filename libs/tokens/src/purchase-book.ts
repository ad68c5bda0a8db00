import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Breakers } from '@maas/core';

export interface AccountTotals {
  readonly purchased: number;
  /** Tokens charged, refunds not deducted. */
  readonly used: number;
  /** Tokens given back for memes that could not be made. */
  readonly refunded: number;
  /** Usage events applied (Redis mode; see AccountEntity.seq). */
  readonly seq: number;
}

export type RecordOutcome =
  | { readonly kind: 'recorded'; readonly totals: AccountTotals }
  | { readonly kind: 'duplicate'; readonly totals: AccountTotals }
  | { readonly kind: 'conflict' };

/**
 * Purchases in PostgreSQL: the durable record every ledger is built from. A purchase and the
 * account total it raises commit in one transaction; the unique reference makes retries no-ops.
 */
@Injectable()
export class PurchaseBook {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly breakers: Breakers,
  ) {}

  async record(userId: string, amount: number, reference: string): Promise<RecordOutcome> {
    return this.breakers.run('postgres', () =>
      this.db.transaction(async (tx) => {
        // A concurrent insert of the same reference makes this wait for that transaction and
        // then do nothing, so exactly one of them raises the account.
        const inserted: unknown[] = await tx.query(
          `INSERT INTO purchases (reference, user_id, amount) VALUES ($1, $2, $3)
           ON CONFLICT (reference) DO NOTHING RETURNING reference`,
          [reference, userId, amount],
        );
        if (inserted.length === 1) {
          const [row] = await tx.query(
            `INSERT INTO accounts (user_id, purchased) VALUES ($1, $2)
             ON CONFLICT (user_id) DO UPDATE SET purchased = accounts.purchased + EXCLUDED.purchased, updated_at = now()
             RETURNING purchased, used, refunded, seq`,
            [userId, amount],
          );
          return { kind: 'recorded', totals: totalsOf(row) };
        }
        const [existing] = await tx.query('SELECT user_id, amount FROM purchases WHERE reference = $1', [reference]);
        if (existing.user_id !== userId || Number(existing.amount) !== amount) return { kind: 'conflict' };
        const [row] = await tx.query('SELECT purchased, used, refunded, seq FROM accounts WHERE user_id = $1', [userId]);
        return { kind: 'duplicate', totals: totalsOf(row) };
      }),
    );
  }

  /** The account as PostgreSQL knows it, or undefined for a user who has never been credited. */
  async totals(userId: string): Promise<AccountTotals | undefined> {
    const rows = await this.breakers.run('postgres', () =>
      this.db.query('SELECT purchased, used, refunded, seq FROM accounts WHERE user_id = $1', [userId]),
    );
    return rows.length === 0 ? undefined : totalsOf(rows[0]);
  }
}

function totalsOf(row: { purchased: string; used: string; refunded: string; seq: string }): AccountTotals {
  return { purchased: Number(row.purchased), used: Number(row.used), refunded: Number(row.refunded), seq: Number(row.seq) };
}
