import { createHash } from 'node:crypto';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { InjectDataSource } from '@nestjs/typeorm';
import { APP_CONFIG, RuntimeConfig } from '@maas/core';

export interface StoredOutcome {
  readonly fingerprint: string;
  /** 0 while the first request is still in flight. */
  readonly status: number;
  readonly remaining: number;
  readonly saleId: string | null;
  readonly body: unknown;
}

/** Identifies a request's parameters: the same Idempotency-Key with other parameters is refused. */
export function fingerprintOf(parameters: readonly unknown[]): string {
  return createHash('sha1').update(JSON.stringify(parameters)).digest('hex');
}

const PRUNE_EVERY_MS = 3600_000;

/** A key claimed but never completed (its request died) may be taken over after this. */
const IN_FLIGHT_SECONDS = 60;

/**
 * Idempotency keys in PostgreSQL, per user: the first outcome of a request, replayed to retries.
 * Used inside the sale transaction in PostgreSQL mode, and for purchases in both modes.
 */
@Injectable()
export class IdempotencyKeys implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  /** Expired keys are deleted hourly (every instance does it; deleting twice is harmless). */
  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.prune().catch(() => undefined), PRUNE_EVERY_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async prune(): Promise<number> {
    const [, deleted] = await this.db.query(
      'DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)',
      [this.config.idempotencyTtlHours],
    );
    return deleted;
  }

  /**
   * Claims the key, or returns what is stored under it. A concurrent claim of the same key waits
   * for the first transaction and then sees its outcome. An expired key, or one left in flight
   * by a request that died, is taken over.
   */
  async claim(userId: string, key: string, fingerprint: string, tx: EntityManager = this.db.manager): Promise<StoredOutcome | undefined> {
    const claimed: unknown[] = await tx.query(
      `INSERT INTO idempotency_keys (user_id, key, fingerprint, status, remaining) VALUES ($1, $2, $3, 0, 0)
       ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, status = 0, remaining = 0,
         sale_id = NULL, body = NULL, created_at = now()
       WHERE idempotency_keys.created_at < now() - make_interval(hours => $4)
          OR (idempotency_keys.status = 0 AND idempotency_keys.created_at < now() - make_interval(secs => $5))
       RETURNING 1`,
      [userId, key, fingerprint, this.config.idempotencyTtlHours, IN_FLIGHT_SECONDS],
    );
    if (claimed.length === 1) return undefined;
    const [stored] = await tx.query(
      'SELECT fingerprint, status, remaining, sale_id, body FROM idempotency_keys WHERE user_id = $1 AND key = $2',
      [userId, key],
    );
    return {
      fingerprint: stored.fingerprint,
      status: stored.status,
      remaining: Number(stored.remaining),
      saleId: stored.sale_id,
      body: stored.body,
    };
  }

  async complete(
    userId: string,
    key: string,
    outcome: { status: number; remaining: number; saleId?: string; body?: unknown },
    tx: EntityManager = this.db.manager,
  ): Promise<void> {
    await tx.query(
      'UPDATE idempotency_keys SET status = $3, remaining = $4, sale_id = $5, body = $6 WHERE user_id = $1 AND key = $2',
      [userId, key, outcome.status, outcome.remaining, outcome.saleId ?? null, outcome.body === undefined ? null : JSON.stringify(outcome.body)],
    );
  }

  /** Whether a completed, unexpired outcome is stored under the key (a claim in flight is not one). */
  async hasAnswer(userId: string, key: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status <> 0
         AND created_at >= now() - make_interval(hours => $3)`,
      [userId, key, this.config.idempotencyTtlHours],
    );
    return rows.length === 1;
  }

  /** Gives the key up (its request failed without an outcome worth replaying): a retry starts afresh. */
  async release(userId: string, key: string, tx: EntityManager = this.db.manager): Promise<void> {
    await tx.query('DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status = 0', [userId, key]);
  }
}
