import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Breakers, Metrics } from '@maas/core';
import { Subscription } from './subscription';
import { SubscriptionPlan, SubscriptionStatus } from './subscription.entity';

export interface GrantOptions {
  /** Days added to the period. */
  readonly periodDays: number;
  readonly status: Extract<SubscriptionStatus, 'active' | 'past_due'>;
}

export interface PeriodEndOptions {
  /** The period's end, exactly (millisecond precision, as the API shows it). */
  readonly currentPeriodEnd: Date;
  readonly status: Extract<SubscriptionStatus, 'active' | 'past_due'>;
}

export interface GrantOutcome {
  readonly subscription: Subscription;
  /** true: a new subscription; false: an existing one renewed. */
  readonly created: boolean;
}

export interface ListOptions {
  readonly status?: SubscriptionStatus;
  /** From 1. */
  readonly page: number;
  readonly pageSize: number;
}

export interface SubscriptionPage {
  readonly items: Subscription[];
  readonly total: number;
}

/** PostgreSQL's check_violation. */
const CHECK_VIOLATION = '23514';
const QUERIES_METRIC = 'maas_subscription_queries_total';
const QUERIES_HELP = 'SQL queries for subscriptions';

/** The columns a Subscription is made of: every query selects these and nothing more. */
const COLUMNS = 'user_id, plan, status, current_period_start, current_period_end, created_at, updated_at';

/**
 * A period is whole days of 24 hours: hours, unlike days, are added as exact durations whatever
 * the session's time zone (a "day" across a DST change would be 23 or 25 hours).
 */
const PERIOD = 'make_interval(hours => $3::int * 24)';

interface Row {
  user_id: string;
  plan: SubscriptionPlan;
  status: SubscriptionStatus;
  current_period_start: Date;
  current_period_end: Date;
  created_at: Date;
  updated_at: Date;
}

/**
 * Subscriptions in PostgreSQL, the system of record. Every statement goes through the postgres
 * breaker (an outage is a 503, never a guess) and is counted in maas_subscription_queries_total,
 * which is how the tests prove that a cache hit runs no SQL.
 */
@Injectable()
export class SubscriptionStore {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly breakers: Breakers,
    private readonly metrics: Metrics,
  ) {}

  /** One primary-key lookup. */
  async find(userId: string): Promise<Subscription | undefined> {
    const [row] = await this.query<Row>(`SELECT ${COLUMNS} FROM subscriptions WHERE user_id = $1`, [userId]);
    return row && subscriptionOf(row);
  }

  /**
   * Creates or renews in one statement (the row lock of ON CONFLICT serialises concurrent grants
   * to one user, each seeing the other's result). New: a period from now for `periodDays`.
   * Existing: the status is set; the period restarts now if it is over or was cancelled, else it
   * keeps its start; either way its end moves `periodDays` past the later of now and its end.
   */
  async grant(userId: string, { periodDays, status }: GrantOptions): Promise<GrantOutcome> {
    const [row] = await this.query<Row & { created: boolean }>(
      `INSERT INTO subscriptions AS s (user_id, plan, status, current_period_start, current_period_end)
       VALUES ($1, 'premium', $2, now(), now() + ${PERIOD})
       ON CONFLICT (user_id) DO UPDATE SET
         status = EXCLUDED.status,
         current_period_start = CASE WHEN s.current_period_end <= now() OR s.status = 'cancelled' THEN now() ELSE s.current_period_start END,
         current_period_end = greatest(now(), s.current_period_end) + ${PERIOD},
         updated_at = now()
       RETURNING ${COLUMNS}, (xmax = 0) AS created`,
      // xmax is 0 on a row version this statement inserted, and set on one it updated (a
      // long-standing PostgreSQL idiom for telling the two apart in an upsert).
      [userId, status, periodDays],
    );
    return { subscription: subscriptionOf(row), created: row.created };
  }

  /**
   * Creates or updates a subscription to end exactly at `currentPeriodEnd`, in one statement. The
   * end is compared at millisecond precision (what the API shows; PostgreSQL keeps microseconds), so
   * a subscription sent back as read is left exactly as it was, updated_at included. A new end
   * restarts the period now if it was over or cancelled, as a renewal does. A new end must lie
   * ahead by PostgreSQL's clock: otherwise nothing is written and undefined is answered (an end
   * already past, even the current one, fails the period check of the row proposed for insertion,
   * which PostgreSQL checks before it finds the conflict: see setStatus for that case).
   */
  async setPeriodEnd(userId: string, { currentPeriodEnd, status }: PeriodEndOptions): Promise<GrantOutcome | undefined> {
    const same = `date_trunc('milliseconds', s.current_period_end) = EXCLUDED.current_period_end`;
    const rows = await this.query<Row & { created: boolean }>(
      `INSERT INTO subscriptions AS s (user_id, plan, status, current_period_start, current_period_end)
       VALUES ($1, 'premium', $2, now(), $3::timestamptz)
       ON CONFLICT (user_id) DO UPDATE SET
         status = EXCLUDED.status,
         current_period_start = CASE WHEN NOT (${same}) AND (s.current_period_end <= now() OR s.status = 'cancelled') THEN now() ELSE s.current_period_start END,
         current_period_end = CASE WHEN ${same} THEN s.current_period_end ELSE EXCLUDED.current_period_end END,
         updated_at = CASE WHEN ${same} AND s.status = EXCLUDED.status THEN s.updated_at ELSE now() END
       WHERE ${same} OR EXCLUDED.current_period_end > now()
       RETURNING ${COLUMNS}, (xmax = 0) AS created`,
      [userId, status, currentPeriodEnd.toISOString()],
      // A new subscription whose end PostgreSQL's clock already sees as past breaks the period check.
      CHECK_VIOLATION,
    );
    const [row] = rows;
    return row && { subscription: subscriptionOf(row), created: row.created };
  }

  /** Sets the status of an existing subscription and keeps its period; updated_at moves only if the status does. */
  async setStatus(userId: string, status: Extract<SubscriptionStatus, 'active' | 'past_due'>): Promise<Subscription | undefined> {
    const [row] = await this.update<Row>(
      `UPDATE subscriptions SET status = $2::varchar, updated_at = CASE WHEN status = $2::varchar THEN updated_at ELSE now() END
       WHERE user_id = $1 RETURNING ${COLUMNS}`,
      [userId, status],
    );
    return row && subscriptionOf(row);
  }

  /** Cancels (premium ends at once; the period is kept for the record). Cancelling again changes nothing. */
  async cancel(userId: string): Promise<Subscription | undefined> {
    const [row] = await this.update<Row>(
      `UPDATE subscriptions SET status = 'cancelled', updated_at = CASE WHEN status = 'cancelled' THEN updated_at ELSE now() END
       WHERE user_id = $1 RETURNING ${COLUMNS}`,
      [userId],
    );
    return row && subscriptionOf(row);
  }

  /**
   * One page in user id order, and the total. With a status, both read the (status, user_id)
   * index: the page comes off it in order (no sort), the count reads only that status's entries;
   * without, the page walks the primary key. OFFSET still steps over the earlier pages' entries,
   * so a deep page costs more than the first (measured: page 500 of 50,000 past_due ~24 ms).
   */
  async list({ status, page, pageSize }: ListOptions): Promise<SubscriptionPage> {
    const where = status === undefined ? '' : 'WHERE status = $1';
    const filter = status === undefined ? [] : [status];
    const at = filter.length;
    const [rows, [{ total }]] = await Promise.all([
      this.query<Row>(`SELECT ${COLUMNS} FROM subscriptions ${where} ORDER BY user_id LIMIT $${at + 1} OFFSET $${at + 2}`, [
        ...filter,
        pageSize,
        (page - 1) * pageSize,
      ]),
      this.query<{ total: number }>(`SELECT count(*)::int AS total FROM subscriptions ${where}`, filter),
    ]);
    return { items: rows.map(subscriptionOf), total };
  }

  /** A SELECT, or an INSERT … RETURNING: the rows; none when it failed with SQLSTATE `refusedAs`. */
  private async query<T>(sql: string, parameters: readonly unknown[], refusedAs?: string): Promise<T[]> {
    return (await this.run(sql, parameters, refusedAs)) as T[];
  }

  /** An UPDATE … RETURNING: TypeORM answers it with [rows, affected count]. */
  private async update<T>(sql: string, parameters: readonly unknown[]): Promise<T[]> {
    const [rows] = (await this.run(sql, parameters)) as [T[], number];
    return rows;
  }

  private run(sql: string, parameters: readonly unknown[], refusedAs?: string): Promise<unknown> {
    return this.breakers.run('postgres', async () => {
      this.metrics.count(QUERIES_METRIC, QUERIES_HELP);
      try {
        return await this.db.query(sql, [...parameters]);
      } catch (error) {
        // A refusal is an answer, not an outage: it must not count against the breaker.
        if (refusedAs !== undefined && (error as { code?: string }).code === refusedAs) return [];
        throw error;
      }
    });
  }
}

function subscriptionOf(row: Row): Subscription {
  return {
    userId: row.user_id,
    plan: row.plan,
    status: row.status,
    currentPeriodStart: row.current_period_start,
    currentPeriodEnd: row.current_period_end,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
