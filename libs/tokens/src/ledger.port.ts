import { Balance } from './balance';

export type ChargeOutcome =
  | { readonly kind: 'charged'; readonly remaining: number }
  | { readonly kind: 'insufficient'; readonly remaining: number }
  | { readonly kind: 'no_account' };

/**
 * Where live balances are kept and charged. Two adapters pass one contract suite:
 * RedisLedger (REDIS_URL set) and PostgresLedger (otherwise).
 *
 * Failure mode: fails closed. Any error reaching the store surfaces as 503 service_unavailable,
 * so a meme is never handed out uncounted.
 */
export abstract class TokenLedger {
  /** Atomically takes `cost` tokens if the balance covers them; never overdraws. */
  abstract charge(userId: string, cost: number): Promise<ChargeOutcome>;

  /** Gives back a charge whose meme could not be made. */
  abstract refund(userId: string, cost: number): Promise<void>;

  /** The live balance, or undefined for a user who has never been credited. */
  abstract balance(userId: string): Promise<Balance | undefined>;

  /**
   * Brings the live balance up to the purchases recorded in PostgreSQL. Idempotent and
   * order-independent: applying the same or an older total again changes nothing.
   */
  abstract applyPurchases(userId: string, purchasedTotal: number): Promise<Balance>;
}
