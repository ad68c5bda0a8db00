import { hostname } from 'node:os';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InjectRedis, LuaScript, Metrics, RedisClient } from '@maas/core';
import { DeferredSales } from './ledger.port';
import { CREATE_GROUP_SCRIPT, deadLetterStreamOf, FORGET_SCRIPT, soldKey, undeliveredKey, USAGE_STREAMS } from './redis.scripts';

const forgetScript = new LuaScript<number>(FORGET_SCRIPT);
const createGroupScript = new LuaScript<'OK'>(CREATE_GROUP_SCRIPT);

const GROUP = 'ledger';
const BATCH = 500;
const IDLE_WAIT_MS = 20;
/**
 * Entries a consumer took but never acknowledged (it crashed) are taken over after this. A live
 * consumer acknowledges within a batch's time (the database's statement timeout bounds it), and
 * taking over a live one's entries by mistake only inserts rows that are already there.
 */
const CLAIM_AFTER_MS = 5_000;
const CLAIM_EVERY_MS = 2_000;
/** At shutdown, at most this many passes to empty the streams (more is a backlog for the next worker). */
const FINAL_PASSES = 20;

type Entry = [id: string, fields: string[]];

/** A charge, with the meme it paid for. */
interface UsageEvent {
  id: string;
  user: string;
  amount: number;
  format: string;
  at: number;
  content: string | null;
  /** The meme is made after the sale (see DeferredSales). */
  deferred: boolean;
}

/** Memes that reached their callers (see TokenLedger.markDelivered). */
interface Delivery {
  ids: string[];
  /** Each meme's owner (absent in marks written before sales were kept in Redis). */
  users?: string[];
  at: number;
}

/** A sale PostgreSQL now holds, to forget in Redis. */
interface Moved {
  id: string;
  user: string;
  /** PostgreSQL holds its delivery mark too. */
  marked: boolean;
}

/**
 * Moves usage events from the Redis streams into PostgreSQL's usage ledger (Redis mode only).
 * At least once: a batch is committed in PostgreSQL, then acknowledged and deleted in Redis; a
 * crash in between re-delivers it, and the rows' primary key turns the repeat into a no-op, so
 * every charge and refund lands exactly once (a delivery mark read again adds a harmless row). The
 * same transaction keeps `accounts.used` equal to the charges, which is what an account is rebuilt
 * from when Redis loses it. Once committed, the sales are forgotten in Redis (where the API kept
 * them so that they can be read back before they got here).
 */
@Injectable()
export class UsageDrain implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('UsageDrain');
  private readonly consumer = `${hostname()}-${process.pid}`;
  private running?: Promise<void>;
  private stopping = false;
  private lastClaim = 0;
  /**
   * Re-read this consumer's own unacknowledged entries (id 0) before new ones ('>'): at start, and
   * after an error. A read that timed out against a frozen Redis still runs when Redis wakes; its
   * entries are then pending for this consumer although their reply was lost.
   */
  private rereadOwn = true;

  constructor(
    @InjectRedis() private readonly redis: RedisClient,
    @InjectDataSource() private readonly db: DataSource,
    private readonly metrics: Metrics,
    private readonly deferred: DeferredSales,
  ) {}

  /** Runs until shutdown; the batch in hand is finished first. */
  onApplicationBootstrap(): void {
    this.running = this.loop();
  }

  /** Before the clients close: the batch in hand is committed and acknowledged, the streams emptied. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    let ready = false;
    while (!this.stopping) {
      try {
        if (!ready) {
          await this.createGroups();
          ready = true;
          this.logger.log(`Draining ${USAGE_STREAMS.length} usage streams into PostgreSQL as ${this.consumer}`);
        }
        const moved = await this.drainAll();
        if (moved === 0) await new Promise((resolve) => setTimeout(resolve, IDLE_WAIT_MS));
      } catch (error) {
        // The groups may be gone with the streams (a Redis restarted empty): make them again.
        ready = false;
        this.rereadOwn = true;
        this.metrics.count('maas_usage_drain_errors_total', 'Failed usage drain batches (retried).');
        this.logger.warn(`Usage drain failed, retrying: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    // Shutting down: empty the streams first, so a stopped worker leaves nothing behind that it could move.
    for (let passes = 0; ready && passes < FINAL_PASSES; passes++) {
      if ((await this.drainAll().catch(() => 0)) === 0) break;
    }
  }

  /** One pass over every stream; returns the number of events moved. */
  private async drainAll(): Promise<number> {
    const claim = Date.now() - this.lastClaim > CLAIM_EVERY_MS;
    if (claim) this.lastClaim = Date.now();
    const from = this.rereadOwn ? '0' : '>';
    let moved = 0;
    for (const stream of USAGE_STREAMS) {
      if (claim) moved += await this.move(stream, await this.claimStale(stream));
      const read = (await this.redis.xreadgroup('GROUP', GROUP, this.consumer, 'COUNT', BATCH, 'STREAMS', stream, from)) as
        | [string, Entry[]][]
        | null;
      moved += await this.move(stream, read?.[0]?.[1] ?? []);
    }
    if (from === '0' && moved === 0) this.rereadOwn = false;
    return moved;
  }

  private async claimStale(stream: string): Promise<Entry[]> {
    const [, entries] = (await this.redis.xautoclaim(stream, GROUP, this.consumer, CLAIM_AFTER_MS, '0-0', 'COUNT', BATCH)) as [
      string,
      Entry[],
    ];
    return entries;
  }

  private async move(stream: string, entries: Entry[]): Promise<number> {
    if (entries.length === 0) return 0;
    let moved: Moved[];
    try {
      moved = await this.apply(entries);
    } catch (error) {
      if (!isDataError(error)) throw error;
      moved = await this.applyEachOrSetAside(stream, entries);
    }
    await this.forget(moved);
    const ids = entries.map(([id]) => id);
    await this.redis.xack(stream, GROUP, ...ids);
    await this.redis.xdel(stream, ...ids);
    const lag = Date.now() - Math.min(...entries.map(([, fields]) => Number(fieldsOf(fields).get('at'))));
    this.metrics.gauge('maas_usage_drain_lag_ms', 'Age of the oldest event in the last batch moved to PostgreSQL.', lag);
    this.metrics.count('maas_usage_events_drained_total', 'Usage events moved from Redis to PostgreSQL.', entries.length);
    return entries.length;
  }

  /** Commits the entries' events in one transaction; answers the sales it has PostgreSQL hold. */
  private async apply(entries: Entry[]): Promise<Moved[]> {
    const charges: UsageEvent[] = [];
    const deliveries: Delivery[] = [];
    for (const [, fields] of entries) {
      const event = fieldsOf(fields);
      if (event.get('kind') === 'delivered') deliveries.push(deliveryOf(event));
      else charges.push(usageOf(event));
    }
    return this.db.transaction(async (tx) => {
      if (charges.length > 0) await this.record(tx, charges);
      if (deliveries.length > 0) {
        // A mark read again (the batch re-read) adds a row; readers take a meme's earliest.
        await tx.query(
          `INSERT INTO meme_deliveries (meme_id, delivered_at)
           SELECT id, to_timestamp(at_ms / 1000.0) FROM unnest($1::varchar[], $2::bigint[]) AS t(id, at_ms)`,
          [deliveries.flatMap((d) => d.ids), deliveries.flatMap((d) => d.ids.map(() => d.at))],
        );
      }
      return this.held(tx, charges, deliveries);
    });
  }

  /** Of the batch's sales (charged, or marked with their owner known), those PostgreSQL holds. */
  private async held(tx: EntityManager, charges: UsageEvent[], deliveries: Delivery[]): Promise<Moved[]> {
    const owners = new Map<string, string>();
    for (const charge of charges) owners.set(charge.id, charge.user);
    for (const { ids, users } of deliveries) users?.forEach((user, i) => owners.set(ids[i], user));
    if (owners.size === 0) return [];
    const rows: { id: string; marked: boolean }[] = await tx.query(
      `SELECT e.id, EXISTS (SELECT 1 FROM meme_deliveries d WHERE d.meme_id = e.id) AS marked
       FROM usage_events e WHERE e.id = ANY($1::varchar[]) AND e.kind = 'charge'`,
      [[...owners.keys()]],
    );
    return rows.map(({ id, marked }) => ({ id, user: owners.get(id) as string, marked }));
  }

  /**
   * Forgets in Redis the sales PostgreSQL holds now (all of one batch are of one shard). A sale
   * forgotten twice (a batch read again) is a no-op; one left behind by a crash here stays
   * readable and is forgotten with its next delivery mark, or by no one: a few bytes.
   */
  private async forget(moved: Moved[]): Promise<void> {
    if (moved.length === 0) return;
    await forgetScript.run(
      this.redis,
      moved.flatMap((sale) => [soldKey(sale.user), undeliveredKey(sale.user)]),
      moved.flatMap((sale) => [sale.id, sale.marked ? '1' : '']),
    );
  }

  /**
   * A batch PostgreSQL refuses as data (a constraint, a malformed value) is retried one event at a
   * time, and an event still refused is set aside in a dead-letter stream, loudly: one bad event
   * must not stop its whole shard. (The failed batch left nothing behind: it was one transaction.)
   */
  private async applyEachOrSetAside(stream: string, entries: Entry[]): Promise<Moved[]> {
    const moved: Moved[] = [];
    for (const entry of entries) {
      try {
        moved.push(...(await this.apply([entry])));
      } catch (error) {
        if (!isDataError(error)) throw error;
        await this.redis.xadd(deadLetterStreamOf(stream), '*', 'entry', entry[0], 'error', (error as Error).message, ...entry[1]);
        this.metrics.count('maas_usage_events_dead_total', 'Usage events PostgreSQL refused, set aside in a dead-letter stream.');
        this.logger.error(`Usage event ${entry[0]} of ${stream} refused by PostgreSQL, set aside: ${(error as Error).message}`);
      }
    }
    return moved;
  }

  /**
   * One statement: insert the charges that are new, and move each account's `used` and `seq` (the
   * number of charges applied) by exactly those. Counting, not taking the highest number seen,
   * keeps `seq` right however batches interleave across consumers. The deferred sales among the
   * new charges get their work queued in the same transaction.
   */
  private async record(tx: EntityManager, events: UsageEvent[]): Promise<void> {
    const inserted: { id: string }[] = await tx.query(
      `WITH inserted AS (
         INSERT INTO usage_events (id, user_id, kind, amount, format, at, content)
         SELECT id, user_id, 'charge', amount, format, to_timestamp(at_ms / 1000.0), content
         FROM unnest($1::varchar[], $2::varchar[], $3::int[], $4::varchar[], $5::bigint[], $6::json[])
           AS t(id, user_id, amount, format, at_ms, content)
         ON CONFLICT (id) DO NOTHING
         RETURNING id, user_id, amount
       ), accounts_moved AS (
         UPDATE accounts a SET used = a.used + d.used, seq = a.seq + d.charges, updated_at = now()
         FROM (SELECT user_id, SUM(amount) AS used, COUNT(*) AS charges FROM inserted GROUP BY user_id) d
         WHERE a.user_id = d.user_id
       )
       SELECT id FROM inserted`,
      [
        events.map((e) => e.id),
        events.map((e) => e.user),
        events.map((e) => e.amount),
        events.map((e) => e.format),
        events.map((e) => e.at),
        events.map((e) => e.content),
      ],
    );
    const recorded = new Set(inserted.map((row) => row.id));
    const deferred = events.filter((e) => e.deferred && recorded.has(e.id));
    if (deferred.length > 0) await this.deferred.enqueue(tx, deferred.map((e) => ({ id: e.id, userId: e.user, format: e.format })));
  }

  private async createGroups(): Promise<void> {
    for (const stream of USAGE_STREAMS) {
      try {
        await createGroupScript.run(this.redis, [stream], [GROUP]);
      } catch (error) {
        if (!(error as Error).message.includes('BUSYGROUP')) throw error;
      }
    }
  }
}

/** PostgreSQL refused the data itself (SQLSTATE classes 22 and 23), as opposed to being unreachable. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

function fieldsOf(fields: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
  return map;
}

function deliveryOf(map: Map<string, string>): Delivery {
  return { ids: (map.get('ids') as string).split(','), users: map.get('users')?.split(','), at: Number(map.get('at')) };
}

function usageOf(map: Map<string, string>): UsageEvent {
  return {
    id: map.get('id') as string,
    user: map.get('user') as string,
    amount: Number(map.get('amount')),
    format: map.get('format') as string,
    at: Number(map.get('at')),
    content: map.get('content') ?? null,
    deferred: map.get('deferred') === '1',
  };
}
