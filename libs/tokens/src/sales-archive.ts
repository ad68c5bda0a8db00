import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Breakers } from '@maas/core';
import { SaleContent } from './ledger.port';

export interface ArchivedSale {
  readonly content: SaleContent;
  readonly deliveredAt: Date | null;
}

/**
 * Memes sold, read back from the usage ledger in PostgreSQL (in Redis mode, once the worker has
 * moved them there: well under a second).
 */
@Injectable()
export class SalesArchive {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly breakers: Breakers,
  ) {}

  /** The caller's own sale, never anyone else's. */
  async find(userId: string, saleId: string): Promise<ArchivedSale | undefined> {
    const rows = await this.breakers.run('postgres', () =>
      this.db.query(
        `SELECT content, delivered_at FROM usage_events WHERE id = $1 AND user_id = $2 AND kind = 'charge'`,
        [saleId, userId],
      ),
    );
    return rows.length === 0 ? undefined : archived(rows[0]);
  }

  /** Paid-for memes whose answer never reached the caller (and that were not refunded), newest first. */
  async undelivered(userId: string, limit: number): Promise<ArchivedSale[]> {
    const rows = await this.breakers.run('postgres', () =>
      this.db.query(
        `SELECT e.content, e.delivered_at FROM usage_events e
         WHERE e.user_id = $1 AND e.kind = 'charge' AND e.delivered_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM usage_events r WHERE r.id = e.id || ':refund')
         ORDER BY e.at DESC LIMIT $2`,
        [userId, limit],
      ),
    );
    return rows.map(archived);
  }
}

function archived(row: { content: SaleContent; delivered_at: Date | null }): ArchivedSale {
  return { content: row.content, deliveredAt: row.delivered_at };
}
