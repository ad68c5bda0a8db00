import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Breakers } from '@maas/core';
import { TokenLedger } from './ledger.port';

export const TRANSACTION_TYPES = ['purchase', 'charge', 'refund'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

/** One entry of a user's own ledger: what changed their balance, and the balance after it. */
export interface Transaction {
  /** The charge's id (the meme's), `<meme id>:refund`, or the purchase's reference. */
  readonly id: string;
  readonly type: TransactionType;
  /** Tokens added (purchase, refund) or taken (charge, negative). */
  readonly amount: number;
  readonly balanceAfter: number;
  readonly at: string;
  /** The meme's format (charges and refunds). */
  readonly format: string | null;
  /** The meme paid for or refunded. */
  readonly memeId: string | null;
  /** The purchase's reference. */
  readonly reference: string | null;
}

/** Where a transaction stands in the newest-first list: its time (Unix µs) and its id. */
export interface TransactionPosition {
  readonly atMicros: number;
  readonly id: string;
}

export interface TransactionFilter {
  readonly types?: readonly TransactionType[];
  readonly format?: string;
  /** Inclusive. */
  readonly from?: Date;
  /** Exclusive. */
  readonly to?: Date;
}

export interface TransactionPage {
  readonly items: readonly Transaction[];
  readonly next?: TransactionPosition;
}

interface Row {
  id: string;
  type: TransactionType;
  amount: string;
  balance_after: string;
  at_us: string;
  format: string | null;
}

const AT_MICROS = `(timestamptz 'epoch' + $7::bigint * interval '1 microsecond')`;

/**
 * A user's purchases, charges and refunds, newest first, each with the balance right after it:
 * the running sum in time order (ties by id), so the newest entry's balance is the balance and
 * the amounts of all entries sum to it. In Redis mode the live ledger's charges not yet moved to
 * PostgreSQL are added, read before PostgreSQL so that a charge moved in between is counted once,
 * from PostgreSQL.
 */
@Injectable()
export class Transactions {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly ledger: TokenLedger,
    private readonly breakers: Breakers,
  ) {}

  /** `limit` entries below `before`; without a limit, every entry that matches. */
  async list(userId: string, filter: TransactionFilter, limit?: number, before?: TransactionPosition): Promise<TransactionPage> {
    const unmoved = await this.ledger.unmovedCharges(userId);
    const rows: Row[] = await this.breakers.run('postgres', () =>
      this.db.query(
        `WITH entries AS (
           SELECT reference AS id, 'purchase' AS type, amount::bigint AS amount, created_at AS at, NULL::varchar AS format
           FROM purchases WHERE user_id = $1
           UNION ALL
           SELECT id, kind, CASE kind WHEN 'charge' THEN -amount ELSE amount END, at, format
           FROM usage_events WHERE user_id = $1
           UNION ALL
           SELECT u.id, 'charge', -u.amount, u.at, u.format
           FROM unnest($2::varchar[], $3::bigint[], $4::varchar[], $5::timestamptz[]) AS u(id, amount, format, at)
           WHERE NOT EXISTS (SELECT 1 FROM usage_events e WHERE e.id = u.id)
         ), running AS (
           SELECT *, sum(amount) OVER (ORDER BY at, id COLLATE "C" ROWS UNBOUNDED PRECEDING) AS balance_after FROM entries
         )
         SELECT id, type, amount, balance_after, (extract(epoch FROM at) * 1000000)::bigint AS at_us, format FROM running
         WHERE ($6::varchar[] IS NULL OR type = ANY($6))
           AND ($7::bigint IS NULL OR at < ${AT_MICROS} OR (at = ${AT_MICROS} AND id COLLATE "C" < $8))
           AND ($9::varchar IS NULL OR format = $9)
           AND ($10::timestamptz IS NULL OR at >= $10) AND ($11::timestamptz IS NULL OR at < $11)
         ORDER BY at DESC, id COLLATE "C" DESC
         LIMIT $12`,
        [
          userId,
          unmoved.map((charge) => charge.id),
          unmoved.map((charge) => charge.amount),
          unmoved.map((charge) => charge.format),
          unmoved.map((charge) => charge.at),
          filter.types ?? null,
          before?.atMicros ?? null,
          before?.id ?? null,
          filter.format ?? null,
          filter.from ?? null,
          filter.to ?? null,
          limit === undefined ? null : limit + 1,
        ],
      ),
    );
    const items = rows.slice(0, limit ?? rows.length).map(transactionOf);
    const last = rows.length > items.length ? rows[items.length - 1] : undefined;
    return { items, next: last && { atMicros: Number(last.at_us), id: last.id } };
  }
}

function transactionOf(row: Row): Transaction {
  const memeId = row.type === 'purchase' ? null : row.id.replace(/:refund$/, '');
  return {
    id: row.id,
    type: row.type,
    amount: Number(row.amount),
    balanceAfter: Number(row.balance_after),
    at: new Date(Number(row.at_us) / 1000).toISOString(),
    format: row.format,
    memeId,
    reference: row.type === 'purchase' ? row.id : null,
  };
}
