import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, Breakers, RuntimeConfig } from '@maas/core';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 10 base62 characters: 59.5 random bits, so links cannot be guessed or enumerated. */
export const CODE_LENGTH = 10;
export const SHORT_CODE = /^[0-9A-Za-z]{7,16}$/;
const UNIQUE_VIOLATION = '23505';

/** A random base62 code; bytes that would bias the alphabet (248 and up) are drawn again. */
export function newShortCode(): string {
  let code = '';
  while (code.length < CODE_LENGTH) {
    for (const byte of randomBytes(CODE_LENGTH * 2)) {
      if (byte < 248 && code.length < CODE_LENGTH) code += BASE62[byte % 62];
    }
  }
  return code;
}

/**
 * Short links `<PUBLIC_BASE_URL>/m/<code>` to stored meme objects, one per meme. Codes are random
 * and the primary key makes them collision-free: a clash (about one in 2^59 per pair) is drawn
 * again. Creating a meme's link twice (a retried job) answers the first link.
 */
@Injectable()
export class ShortLinks {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly breakers: Breakers,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  /** Answers the link's URL. */
  async create(memeId: string, objectKey: string): Promise<string> {
    for (;;) {
      try {
        const [row] = await this.breakers.run('postgres', () =>
          this.db.query(
            `INSERT INTO short_links (code, meme_id, object_key) VALUES ($1, $2, $3)
             ON CONFLICT (meme_id) DO UPDATE SET meme_id = EXCLUDED.meme_id RETURNING code`,
            [newShortCode(), memeId, objectKey],
          ),
        );
        return this.urlOf(row.code);
      } catch (error) {
        if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      }
    }
  }

  /**
   * The stored object's key, or undefined for an unknown or expired code. Anyone can ask, so the
   * lookups have their own breaker and share of the pool ('links'): a flood of them is queued or
   * refused there and cannot slow or open the sales' breaker.
   */
  async resolve(code: string): Promise<string | undefined> {
    const rows = await this.breakers.run('links', () =>
      this.db.query('SELECT object_key FROM short_links WHERE code = $1', [code]),
    );
    return rows[0]?.object_key;
  }

  /** Removes the meme's link; answers its object's key, to delete it too. */
  async remove(memeId: string): Promise<string | undefined> {
    // TypeORM answers a DELETE with [rows, count].
    const [rows] = await this.db.query('DELETE FROM short_links WHERE meme_id = $1 RETURNING object_key', [memeId]);
    return (rows as { object_key: string }[])[0]?.object_key;
  }

  /** Removes up to `limit` links older than `days`; answers their objects' keys. */
  async expire(days: number, limit: number): Promise<string[]> {
    const [rows] = await this.db.query(
      `DELETE FROM short_links WHERE code IN (
         SELECT code FROM short_links WHERE created_at < now() - make_interval(days => $1) ORDER BY created_at LIMIT $2)
       RETURNING object_key`,
      [days, limit],
    );
    return (rows as { object_key: string }[]).map((row) => row.object_key);
  }

  private urlOf(code: string): string {
    return `${this.config.publicBaseUrl}/m/${code}`;
  }
}
