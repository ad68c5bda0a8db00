import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppError, InjectRedis, LuaScript, RedisClient, RuntimeConfig } from '@maas/core';
import { Balance, balanceOf } from './balance';
import { ChargeOutcome, TokenLedger } from './ledger.port';
import { PurchaseBook } from './purchase-book';
import {
  accountKey,
  CHARGE_SCRIPT,
  CHARGED,
  EXPIRED,
  INSUFFICIENT,
  MISSING,
  REFUND_SCRIPT,
  SYNC_SCRIPT,
} from './redis.scripts';

const charge = new LuaScript<[number, number]>(CHARGE_SCRIPT);
const refund = new LuaScript<number>(REFUND_SCRIPT);
const sync = new LuaScript<[string, string]>(SYNC_SCRIPT);

/**
 * Live balances in Redis: a charge is one EVALSHA round trip. An account Redis does not hold
 * (never loaded, or lost in a Redis restart) is hydrated from PostgreSQL before it is charged.
 */
@Injectable()
export class RedisLedger extends TokenLedger {
  constructor(
    @InjectRedis() private readonly redis: RedisClient,
    private readonly book: PurchaseBook,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {
    super();
  }

  async charge(userId: string, cost: number): Promise<ChargeOutcome> {
    let [status, remaining] = await this.chargeOnce(userId, cost);
    if (status === MISSING) {
      if (!(await this.hydrate(userId))) return { kind: 'no_account' };
      [status, remaining] = await this.chargeOnce(userId, cost);
    }
    if (status === CHARGED) return { kind: 'charged', remaining };
    if (status === INSUFFICIENT) return { kind: 'insufficient', remaining };
    if (status === EXPIRED) throw AppError.unavailable('The token ledger is too slow to answer.');
    throw new Error(`Unexpected charge status ${status} for ${userId}`);
  }

  private chargeOnce(userId: string, cost: number): Promise<[number, number]> {
    const deadline = Date.now() + this.config.redisCommandTimeoutMs;
    return this.call(() => charge.run(this.redis, [accountKey(userId)], [cost, deadline]));
  }

  async refund(userId: string, cost: number): Promise<void> {
    await this.call(() => refund.run(this.redis, [accountKey(userId)], [cost]));
  }

  async balance(userId: string): Promise<Balance | undefined> {
    const [purchased, used] = await this.call(() => this.redis.hmget(accountKey(userId), 'p', 'u'));
    if (purchased !== null) return balanceOf(userId, Number(purchased), Number(used ?? 0));
    return this.hydrate(userId);
  }

  async applyPurchases(userId: string, purchasedTotal: number): Promise<Balance> {
    const totals = await this.book.totals(userId);
    return this.sync(userId, purchasedTotal, totals?.used ?? 0);
  }

  private async hydrate(userId: string): Promise<Balance | undefined> {
    const totals = await this.book.totals(userId);
    return totals && this.sync(userId, totals.purchased, totals.used);
  }

  private async sync(userId: string, purchased: number, used: number): Promise<Balance> {
    const [p, u] = await this.call(() => sync.run(this.redis, [accountKey(userId)], [purchased, used]));
    return balanceOf(userId, Number(p), Number(u));
  }

  /** A Redis error or timeout surfaces as 503. A timed-out charge may still have applied. */
  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw AppError.unavailable('The token ledger is unavailable.', 1, error);
    }
  }
}
