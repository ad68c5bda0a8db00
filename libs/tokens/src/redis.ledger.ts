import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppError, Breakers, InjectRedis, LuaScript, Metrics, RedisClient, RuntimeConfig } from '@maas/core';
import { Balance, balanceOf } from './balance';
import { ArchivedSale, ListedSale, pageOf, Sale, SaleContent, SaleOutcome, SalePage, SalePosition, TokenLedger, UnmovedCharge } from './ledger.port';
import { ClockOffset, LedgerClock } from './ledger-clock';
import { AccountTotals, PurchaseBook } from './purchase-book';
import {
  accountKey,
  EXPIRED,
  fenceKey,
  idempotencyKey,
  INSUFFICIENT,
  KEY_REUSED,
  MARK_SCRIPT,
  MISSING,
  REPLAYED,
  RESOLVE_SCRIPT,
  SELL_SCRIPT,
  soldKey,
  SOLD,
  SYNC_SCRIPT,
  UNDELIVERED_SCRIPT,
  undeliveredKey,
  usageStreamOf,
} from './redis.scripts';
import { SalesArchive } from './sales-archive';

type SellAnswer = [status: number, now: number, a?: number, b?: number, content?: string];

const sellScript = new LuaScript<SellAnswer>(SELL_SCRIPT);
const resolveScript = new LuaScript<[0] | [1, string, number]>(RESOLVE_SCRIPT);
const undeliveredScript = new LuaScript<string[]>(UNDELIVERED_SCRIPT);
const markScript = new LuaScript<number>(MARK_SCRIPT);
const syncScript = new LuaScript<[string, string, string | null]>(SYNC_SCRIPT);

/** A fence outlives any sale command still in flight by far (they expire at their deadline). */
const FENCE_TTL_MS = 60_000;

/**
 * Live balances in Redis: a sale is one EVALSHA round trip that charges, appends the usage event
 * to the shard's stream (drained into PostgreSQL by the worker), keeps the meme under its owner
 * until then, and stores the idempotency record. An account Redis does not hold (never loaded, or
 * lost in a Redis restart) is hydrated from PostgreSQL before it is charged.
 *
 * Reads see Redis first, then PostgreSQL: the worker forgets a sale in Redis only after
 * PostgreSQL has committed it, so a meme is never missing from both.
 */
@Injectable()
export class RedisLedger extends TokenLedger {
  private readonly logger = new Logger('RedisLedger');
  private readonly offset = new ClockOffset();

  constructor(
    @InjectRedis() private readonly redis: RedisClient,
    private readonly book: PurchaseBook,
    private readonly archive: SalesArchive,
    private readonly breakers: Breakers,
    private readonly metrics: Metrics,
    private readonly clock: LedgerClock,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {
    super();
  }

  async sell(sale: Sale): Promise<SaleOutcome> {
    const offset = this.offset.value;
    let answer = await this.sellOnce(sale);
    if (answer[0] === MISSING) {
      if (!(await this.hydrate(sale.userId))) return { kind: 'no_account' };
      answer = await this.sellOnce(sale);
    }
    if (answer[0] === EXPIRED && this.clockStepped(offset)) {
      // A clock was stepped since the last answer: the deadline was wrong, not Redis slow.
      this.countExpired();
      answer = await this.sellOnce(sale);
    }
    const [status, , a, b, content] = answer;
    switch (status) {
      case SOLD:
        return { kind: 'sold', remaining: a as number };
      case INSUFFICIENT:
        return { kind: 'insufficient', remaining: a as number };
      case REPLAYED:
        return {
          kind: 'replayed',
          status: a === 200 ? 200 : 402,
          remaining: b as number,
          content: content ? (JSON.parse(content) as Record<string, unknown>) : undefined,
        };
      case KEY_REUSED:
        return { kind: 'key_reused' };
      case EXPIRED:
        this.countExpired();
        throw AppError.unavailable('The token ledger is too slow to answer. Nothing was charged.');
      default:
        throw new Error(`Unexpected sale status ${status} for ${sale.userId}`);
    }
  }

  /**
   * One sale command. When it fails after it may have reached Redis (it timed out, the connection
   * broke), its outcome is looked up before answering, so a 503 always means nothing was charged.
   */
  private async sellOnce(sale: Sale): Promise<SellAnswer> {
    const keys = [accountKey(sale.userId), usageStreamOf(sale.userId), soldKey(sale.userId), undeliveredKey(sale.userId), fenceKey(sale.userId, sale.id)];
    if (sale.idempotency) keys.push(idempotencyKey(sale.userId, sale.idempotency.key));
    const offset = this.offset.value ?? (await this.learnOffset());
    const sentAt = this.clock.now();
    const args = [
      sale.cost,
      Math.ceil(sentAt + offset + this.config.redisCommandTimeoutMs),
      sale.id,
      sale.userId,
      sale.format,
      JSON.stringify(sale.content),
      sale.idempotency?.fingerprint ?? '',
      this.config.idempotencyTtlHours * 3600,
      sale.deferred ? '1' : '',
    ];
    try {
      const answer = await this.call(() => sellScript.run(this.redis, keys, args));
      this.offset.observe(sentAt, this.clock.now(), answer[1]);
      return answer;
    } catch (error) {
      if (!mayHaveApplied(error)) throw error;
      return this.resolve(sale, error as AppError);
    }
  }

  /**
   * The outcome of a sale whose answer was lost: still in Redis (sold), fenced off for good
   * (then in PostgreSQL if the worker moved it already, else never sold), or, if Redis cannot be
   * asked in time either, unknown: a 503 that names the meme id to look up later.
   */
  private async resolve(sale: Sale, failure: AppError): Promise<SellAnswer> {
    // Two attempts, a command timeout apart: a frozen Redis gets its answer within four timeouts.
    for (const pause of [0, this.config.redisCommandTimeoutMs]) {
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      let found: [0] | [1, string, number];
      try {
        found = await resolveScript.run(this.redis, [soldKey(sale.userId), fenceKey(sale.userId, sale.id)], [sale.id, FENCE_TTL_MS]);
      } catch {
        continue;
      }
      const remaining = found[0] === 1 ? found[2] : await this.remainingIfMoved(sale);
      if (remaining === undefined) throw failure;
      this.logger.warn(`Sale ${sale.id} timed out but had applied: answered as sold`);
      return [SOLD, 0, remaining];
    }
    this.logger.error(`Sale ${sale.id} timed out and Redis could not be asked whether it applied`);
    throw new AppError(
      'sale_outcome_unknown',
      `The token ledger did not answer. GET /memes/${sale.id} tells whether this meme was sold; a retry with the same Idempotency-Key is never charged twice.`,
      { memeId: sale.id },
      { 'Retry-After': '1' },
      failure.cause,
    );
  }

  /** Whether the clock offset moved by more than the command timeout since `before` was read. */
  private clockStepped(before: number | undefined): boolean {
    const now = this.offset.value;
    return before !== undefined && now !== undefined && Math.abs(now - before) > this.config.redisCommandTimeoutMs;
  }

  private countExpired(): void {
    this.metrics.count('maas_sales_expired_total', 'Sales refused by Redis because they arrived after their deadline.');
  }

  /**
   * For a sale the worker has moved to PostgreSQL: the balance now (the one right after the sale
   * was forgotten in Redis with it); undefined if the sale is not in PostgreSQL either.
   */
  private async remainingIfMoved(sale: Sale): Promise<number | undefined> {
    if (!(await this.archive.find(sale.userId, sale.id))) return undefined;
    return (await this.balance(sale.userId))?.remaining ?? 0;
  }

  /** Redis' time minus ours, from one TIME round trip (every sale's answer refines it). */
  private async learnOffset(): Promise<number> {
    const sentAt = this.clock.now();
    const [seconds, micros] = await this.call(() => this.redis.time());
    this.offset.observe(sentAt, this.clock.now(), Number(seconds) * 1000 + Math.floor(Number(micros) / 1000));
    return this.offset.value as number;
  }

  /**
   * Through the usage streams, one event per shard, which the worker moves into PostgreSQL with
   * the charges (a mark may land before its charge: both are kept); a meme still in Redis is
   * marked there at once.
   */
  async markDelivered(sales: readonly { readonly userId: string; readonly saleId: string }[]): Promise<void> {
    const byStream = new Map<string, { keys: string[]; args: string[] }>();
    for (const { userId, saleId } of sales) {
      const stream = usageStreamOf(userId);
      let marks = byStream.get(stream);
      if (!marks) byStream.set(stream, (marks = { keys: [stream], args: [] }));
      marks.keys.push(soldKey(userId), undeliveredKey(userId));
      marks.args.push(saleId, userId);
    }
    await this.call(() => Promise.all([...byStream.values()].map(({ keys, args }) => markScript.run(this.redis, keys, args))));
  }

  async find(userId: string, saleId: string): Promise<ArchivedSale | undefined> {
    const [meme, deliveredAt] = await this.call(() => this.redis.hmget(soldKey(userId), saleId, `${saleId}:d`));
    if (meme) return { content: JSON.parse(meme) as SaleContent, deliveredAt: deliveredAt ? new Date(Number(deliveredAt)) : null };
    return this.archive.find(userId, saleId);
  }

  async unmovedCharges(userId: string): Promise<UnmovedCharge[]> {
    const fields = await this.call(() => this.redis.hgetall(soldKey(userId)));
    return Object.entries(fields)
      .filter(([field]) => field.endsWith(':c'))
      .map(([field, charge]) => {
        const [amount, format, at] = charge.split(',');
        return { id: field.slice(0, -2), amount: Number(amount), format, at: new Date(Number(at)) };
      });
  }

  /**
   * Redis' page and PostgreSQL's merged. Redis is read first: a sale the worker forgets in Redis
   * after that is in PostgreSQL already, so no meme is missed. A sale PostgreSQL lists that
   * Redis still holds is taken as Redis has it (its delivery mark may be the newer).
   */
  async undelivered(userId: string, limit: number, before?: SalePosition): Promise<SalePage> {
    const keys = [undeliveredKey(userId), soldKey(userId)];
    const flat = await this.call(() => undeliveredScript.run(this.redis, keys, [before ? before.atMicros / 1000 : '+inf', before?.id ?? '', limit + 1]));
    const sales: ListedSale[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      if (flat[i + 2] === '') continue;
      sales.push({ content: JSON.parse(flat[i + 2]) as SaleContent, deliveredAt: null, position: { atMicros: Number(flat[i + 1]) * 1000, id: flat[i] } });
    }
    const listed = new Set(sales.map((sale) => sale.position.id));
    const moved = (await this.archive.undelivered(userId, limit + 1, before)).filter((sale) => !listed.has(sale.position.id));
    if (moved.length > 0) {
      // A sale still held has its balance field (`<id>:r`) beside the meme.
      const held = await this.call(() => this.redis.hmget(soldKey(userId), ...moved.map((sale) => `${sale.position.id}:r`)));
      sales.push(...moved.filter((_, i) => held[i] === null));
    }
    sales.sort((x, y) => newestFirst(x.position, y.position));
    return pageOf(sales, limit);
  }

  async hasStoredAnswer(userId: string, key: string): Promise<boolean> {
    return (await this.call(() => this.redis.hexists(idempotencyKey(userId, key), 'fp'))) === 1;
  }

  async balance(userId: string): Promise<Balance | undefined> {
    const [purchased, used, refunded] = await this.call(() => this.redis.hmget(accountKey(userId), 'p', 'u', 'r'));
    if (purchased !== null) return balanceOf(userId, Number(purchased), Number(used ?? 0), Number(refunded ?? 0));
    return this.hydrate(userId);
  }

  applyTotals(userId: string, totals: AccountTotals): Promise<Balance> {
    return this.sync(userId, totals);
  }

  private async hydrate(userId: string): Promise<Balance | undefined> {
    const totals = await this.book.totals(userId);
    return totals && this.sync(userId, totals);
  }

  private async sync(userId: string, { purchased, used, refunded, seq }: AccountTotals): Promise<Balance> {
    const [p, u, r] = await this.call(() => syncScript.run(this.redis, [accountKey(userId)], [purchased, refunded, used, seq]));
    return balanceOf(userId, Number(p), Number(u), Number(r ?? 0));
  }

  /** Through the Redis breaker: an error, a timeout or an open breaker surfaces as 503. */
  private call<T>(command: () => Promise<T>): Promise<T> {
    return this.breakers.run('redis', command);
  }
}

/** Newest first; at the same time, the higher id first (byte order, as Redis and PostgreSQL compare them). */
function newestFirst(x: SalePosition, y: SalePosition): number {
  if (x.atMicros !== y.atMicros) return y.atMicros - x.atMicros;
  return x.id < y.id ? 1 : x.id > y.id ? -1 : 0;
}

/**
 * Whether a failed command may have run in Redis: not when the breaker refused it or the client
 * refused to send it (disconnected, nothing is queued offline); otherwise (a timeout, a
 * connection lost with the command written) it may have.
 */
function mayHaveApplied(error: unknown): boolean {
  if (!(error instanceof AppError) || error.code !== 'service_unavailable') return false;
  const cause = error.cause as { code?: string; message?: string } | undefined;
  if (!cause) return false;
  if (cause.code === 'EOPENBREAKER' || cause.code === 'ESEMILOCKED') return false;
  return !cause.message?.includes("Stream isn't writeable");
}
