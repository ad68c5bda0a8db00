import { EntityManager } from 'typeorm';
import { Balance } from './balance';
import { AccountTotals } from './purchase-book';

/** The meme being sold, as stored with its charge and replayed to retries. */
export type SaleContent = Readonly<Record<string, unknown>>;

/** One meme sold for tokens: charged, recorded in the usage ledger and stored, in one atomic step. */
export interface Sale {
  /** The meme's id; also the id of its charge in the usage ledger. */
  readonly id: string;
  readonly userId: string;
  readonly cost: number;
  readonly format: string;
  readonly content: SaleContent;
  /** Present when the caller sent an Idempotency-Key: the key and a digest of the parameters. */
  readonly idempotency?: { readonly key: string; readonly fingerprint: string };
  /** The meme is made after the sale: DeferredSales queues that work with the charge's record. */
  readonly deferred?: boolean;
}

/** A meme sold and read back: as first answered, and when an answer carrying it was sent. */
export interface ArchivedSale {
  readonly content: SaleContent;
  readonly deliveredAt: Date | null;
}

/**
 * Where a sold meme stands in a user's newest-first list: its sale time (Unix µs) and its id
 * (ties broken by id, byte order). The same in Redis and in PostgreSQL, so pages read across the
 * usage drain neither skip nor repeat a meme.
 */
export interface SalePosition {
  readonly atMicros: number;
  readonly id: string;
}

export interface ListedSale extends ArchivedSale {
  readonly position: SalePosition;
}

/** One page of a newest-first list; `next` is where the following page starts, if there is one. */
export interface SalePage {
  readonly items: readonly ListedSale[];
  readonly next?: SalePosition;
}

/** The page of `limit` from sales listed newest first, read one past the limit to learn of more. */
export function pageOf(sales: readonly ListedSale[], limit: number): SalePage {
  const items = sales.slice(0, limit);
  return { items, next: sales.length > limit ? items[items.length - 1].position : undefined };
}

/** A charge the live ledger holds that may not be in PostgreSQL yet (Redis mode). */
export interface UnmovedCharge {
  readonly id: string;
  readonly amount: number;
  readonly format: string;
  readonly at: Date;
}

/** A sale whose meme is made after its charge. */
export interface DeferredSale {
  readonly id: string;
  readonly userId: string;
  readonly format: string;
}

/**
 * Queues the making of deferred sales' memes. Called inside the transaction that first records
 * their charges in PostgreSQL (the sale's own in PostgreSQL mode, the usage drain's in Redis
 * mode), once per charge: the work is queued if and only if the charge is recorded.
 */
export abstract class DeferredSales {
  abstract enqueue(tx: EntityManager, sales: readonly DeferredSale[]): Promise<void>;
}

export type SaleOutcome =
  | { readonly kind: 'sold'; readonly remaining: number }
  | { readonly kind: 'insufficient'; readonly remaining: number }
  | { readonly kind: 'no_account' }
  /** The key was used before with other parameters. */
  | { readonly kind: 'key_reused' }
  /** The key was used before with these parameters: its first outcome, charged nothing now. */
  | {
      readonly kind: 'replayed';
      readonly status: 200 | 402;
      readonly remaining: number;
      readonly content?: SaleContent;
    };

/**
 * Where live balances are kept and spent. Two adapters pass one contract suite:
 * RedisLedger (REDIS_URL set) and PostgresLedger (otherwise).
 *
 * Failure mode: fails closed. Any error reaching the store surfaces as 503 service_unavailable,
 * so a meme is never handed out uncounted.
 */
export abstract class TokenLedger {
  /**
   * Atomically: replays the outcome stored under the idempotency key if there is one; otherwise
   * takes `cost` tokens if the balance covers them (never overdrawn), records the charge and the
   * meme, and stores the outcome under the key.
   */
  abstract sell(sale: Sale): Promise<SaleOutcome>;

  /**
   * Records that these sales' memes reached their callers (the response was handed to the
   * network). Memes never marked are the ones listed as undelivered.
   */
  abstract markDelivered(sales: readonly { readonly userId: string; readonly saleId: string }[]): Promise<void>;

  /**
   * The caller's own sold meme, never anyone else's, readable the moment its sale answered (in
   * Redis mode also before the worker has moved it to PostgreSQL).
   */
  abstract find(userId: string, saleId: string): Promise<ArchivedSale | undefined>;

  /**
   * Charges the live ledger holds that PostgreSQL may not hold yet (in Redis mode, those the
   * worker has not moved; none in PostgreSQL mode), so readers of the usage ledger miss none.
   */
  abstract unmovedCharges(userId: string): Promise<UnmovedCharge[]>;

  /** The caller's paid-for memes never marked delivered, newest first, strictly below `before`. */
  abstract undelivered(userId: string, limit: number, before?: SalePosition): Promise<SalePage>;

  /** Whether an answer is stored under this Idempotency-Key (a sale with it would be a replay or a 422). */
  abstract hasStoredAnswer(userId: string, key: string): Promise<boolean>;

  /** The live balance, or undefined for a user who has never been credited. */
  abstract balance(userId: string): Promise<Balance | undefined>;

  /**
   * Brings the live balance up to the purchases and refunds recorded in PostgreSQL (`totals` as
   * the purchase or refund transaction left the account). Idempotent and order-independent:
   * applying the same or older totals again changes nothing.
   */
  abstract applyTotals(userId: string, totals: AccountTotals): Promise<Balance>;
}
