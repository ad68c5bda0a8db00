import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Breakers } from '@maas/core';
import { SaleContent } from './ledger.port';

/** One day's usage of one format, from the usage ledger. */
export interface DailyUsage {
  readonly day: string;
  readonly format: string;
  readonly memes: number;
  readonly tokens: number;
}

export interface ArchivedSale {
  readonly content: SaleContent;
  readonly deliveredAt: Date | null;
}

/**
 * Memes sold and usage, read back from the usage ledger in PostgreSQL (in Redis mode, once the
 * worker has moved them there: well under a second).
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
        `SELECT e.content, (SELECT min(d.delivered_at) FROM meme_deliveries d WHERE d.meme_id = e.id) AS delivered_at
         FROM usage_events e WHERE e.id = $1 AND e.user_id = $2 AND e.kind = 'charge'`,
        [saleId, userId],
      ),
    );
    return rows.length === 0 ? undefined : archived(rows[0]);
  }

  /** Paid-for memes whose answer never reached the caller, newest first. */
  async undelivered(userId: string, limit: number): Promise<ArchivedSale[]> {
    const rows = await this.breakers.run('postgres', () =>
      this.db.query(
        `SELECT e.content, NULL AS delivered_at FROM usage_events e
         WHERE e.user_id = $1 AND e.kind = 'charge' AND NOT EXISTS (SELECT 1 FROM meme_deliveries d WHERE d.meme_id = e.id)
         ORDER BY e.at DESC LIMIT $2`,
        [userId, limit],
      ),
    );
    return rows.map(archived);
  }

  /** Usage per UTC day and format in [from, to), days with no usage left out. */
  async usageByDay(userId: string, from: Date, to: Date): Promise<DailyUsage[]> {
    const rows: { day: string; format: string; memes: string; tokens: string }[] = await this.breakers.run(
      'postgres',
      () =>
        this.db.query(
          `SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, format, COUNT(*) AS memes, SUM(amount) AS tokens
           FROM usage_events WHERE user_id = $1 AND kind = 'charge' AND at >= $2 AND at < $3
           GROUP BY 1, 2 ORDER BY 1, 2`,
          [userId, from, to],
        ),
    );
    return rows.map((r) => ({ day: r.day, format: r.format, memes: Number(r.memes), tokens: Number(r.tokens) }));
  }
}

function archived(row: { content: SaleContent; delivered_at: Date | null }): ArchivedSale {
  return { content: row.content, deliveredAt: row.delivered_at };
}
