import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Breakers } from '@maas/core';
import { ArchivedSale, ListedSale, SaleContent, SalePosition } from './ledger.port';

/** One day's usage of one format, from the usage ledger. */
export interface DailyUsage {
  readonly day: string;
  readonly format: string;
  readonly memes: number;
  readonly tokens: number;
}

/**
 * Memes sold and usage, read back from the usage ledger in PostgreSQL (in Redis mode, what the
 * worker has moved there; the ledger adds what is still in Redis).
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

  /**
   * Paid-for memes whose answer never reached the caller, newest first, strictly below `before`.
   * Ids compare in byte order (COLLATE "C"), as Redis orders them.
   */
  async undelivered(userId: string, limit: number, before?: SalePosition): Promise<ListedSale[]> {
    const rows: (SaleRow & { id: string; at_us: string })[] = await this.breakers.run('postgres', () =>
      this.db.query(
        `SELECT e.id, e.content, NULL AS delivered_at, (extract(epoch FROM e.at) * 1000000)::bigint AS at_us FROM usage_events e
         WHERE e.user_id = $1 AND e.kind = 'charge'
           AND ($3::bigint IS NULL OR e.at < ${AT_MICROS} OR (e.at = ${AT_MICROS} AND e.id COLLATE "C" < $4))
           AND NOT EXISTS (SELECT 1 FROM meme_deliveries d WHERE d.meme_id = e.id)
         ORDER BY e.at DESC, e.id COLLATE "C" DESC LIMIT $2`,
        [userId, limit, before?.atMicros ?? null, before?.id ?? null],
      ),
    );
    return rows.map((row) => ({ ...archived(row), position: { atMicros: Number(row.at_us), id: row.id } }));
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

/** The position's time as a timestamptz, exactly (an interval of whole microseconds). */
const AT_MICROS = `(timestamptz 'epoch' + $3::bigint * interval '1 microsecond')`;

interface SaleRow {
  content: SaleContent;
  delivered_at: Date | null;
}

function archived(row: SaleRow): ArchivedSale {
  return { content: row.content, deliveredAt: row.delivered_at };
}
