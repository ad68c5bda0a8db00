import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppError, Breakers, InjectRedis, LuaScript, RedisClient, RuntimeConfig } from '@maas/core';
import { Balance, balanceOf } from './balance';
import { Sale, SaleOutcome, TokenLedger } from './ledger.port';
import { AccountTotals, PurchaseBook } from './purchase-book';
import {
  accountKey,
  EXPIRED,
  idempotencyKey,
  INSUFFICIENT,
  KEY_REUSED,
  MISSING,
  REPLAYED,
  SELL_SCRIPT,
  SOLD,
  SYNC_SCRIPT,
  usageStreamOf,
} from './redis.scripts';

const sellScript = new LuaScript<[number, number?, number?, string?]>(SELL_SCRIPT);
const syncScript = new LuaScript<[string, string, string | null]>(SYNC_SCRIPT);

/**
 * Live balances in Redis: a sale is one EVALSHA round trip that charges, appends the usage event
 * to the shard's stream (drained into PostgreSQL by the worker) and stores the idempotency record.
 * An account Redis does not hold (never loaded, or lost in a Redis restart) is hydrated from
 * PostgreSQL before it is charged.
 */
@Injectable()
export class RedisLedger extends TokenLedger {
  constructor(
    @InjectRedis() private readonly redis: RedisClient,
    private readonly book: PurchaseBook,
    private readonly breakers: Breakers,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {
    super();
  }

  async sell(sale: Sale): Promise<SaleOutcome> {
    let answer = await this.sellOnce(sale);
    if (answer[0] === MISSING) {
      if (!(await this.hydrate(sale.userId))) return { kind: 'no_account' };
      answer = await this.sellOnce(sale);
    }
    const [status, a, b, content] = answer;
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
        throw AppError.unavailable('The token ledger is too slow to answer.');
      default:
        throw new Error(`Unexpected sale status ${status} for ${sale.userId}`);
    }
  }

  private sellOnce(sale: Sale): Promise<[number, number?, number?, string?]> {
    const keys = [accountKey(sale.userId), usageStreamOf(sale.userId)];
    if (sale.idempotency) keys.push(idempotencyKey(sale.userId, sale.idempotency.key));
    const deadline = Date.now() + this.config.redisCommandTimeoutMs;
    const args = [
      sale.cost,
      deadline,
      sale.id,
      sale.userId,
      sale.format,
      JSON.stringify(sale.content),
      sale.idempotency?.fingerprint ?? '',
      this.config.idempotencyTtlHours * 3600,
      sale.deferred ? '1' : '',
    ];
    return this.call(() => sellScript.run(this.redis, keys, args));
  }

  /**
   * Through the usage streams, one event per shard, which the worker moves into PostgreSQL with
   * the charges (a mark may land before its charge: both are kept).
   */
  async markDelivered(sales: readonly { readonly userId: string; readonly saleId: string }[]): Promise<void> {
    const byStream = new Map<string, string[]>();
    for (const { userId, saleId } of sales) {
      const stream = usageStreamOf(userId);
      const ids = byStream.get(stream);
      if (ids) ids.push(saleId);
      else byStream.set(stream, [saleId]);
    }
    const at = Date.now();
    await this.call(() =>
      Promise.all(
        [...byStream].map(([stream, ids]) => this.redis.xadd(stream, '*', 'kind', 'delivered', 'ids', ids.join(','), 'at', at)),
      ),
    );
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
