import { Injectable } from '@nestjs/common';
import { AppError, InjectRedis, LuaScript, RedisClient } from '@maas/core';
import { Balance, balanceOf } from './balance';
import { ChargeOutcome, TokenLedger } from './ledger.port';
import { PurchaseBook } from './purchase-book';
import {
  accountKey,
  CHARGE_SCRIPT,
  CHARGED,
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
  ) {
    super();
  }

  async charge(userId: string, cost: number): Promise<ChargeOutcome> {
    const key = accountKey(userId);
    let [status, remaining] = await this.call(() => charge.run(this.redis, [key], [cost]));
    if (status === MISSING) {
      if (!(await this.hydrate(userId))) return { kind: 'no_account' };
      [status, remaining] = await this.call(() => charge.run(this.redis, [key], [cost]));
    }
    if (status === CHARGED) return { kind: 'charged', remaining };
    if (status === INSUFFICIENT) return { kind: 'insufficient', remaining };
    throw new Error(`Unexpected charge status ${status} for ${userId}`);
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
