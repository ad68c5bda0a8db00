import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { TokenLedger } from './ledger.port';
import { PurchaseBook } from './purchase-book';

/**
 * Gives back the tokens of a charge whose meme could not be made. Like a purchase, a refund is
 * written to PostgreSQL first, as a usage event whose id is `<charge id>:refund` (so there is at
 * most one per charge, however often it is retried) and the account's `refunded` total; the live
 * ledger is then brought up to that total, idempotently.
 */
@Injectable()
export class Refunds {
  constructor(
    private readonly ledger: TokenLedger,
    private readonly book: PurchaseBook,
  ) {}

  /**
   * Inside the caller's transaction. Answers whether this refunded the charge: false when there
   * is nothing (left) to refund, because the charge is unknown or was refunded before.
   */
  async record(tx: EntityManager, chargeId: string): Promise<boolean> {
    const [refund] = await tx.query(
      `INSERT INTO usage_events (id, user_id, kind, amount, format, at)
       SELECT id || ':refund', user_id, 'refund', amount, format, now() FROM usage_events WHERE id = $1 AND kind = 'charge'
       ON CONFLICT (id) DO NOTHING RETURNING user_id, amount`,
      [chargeId],
    );
    if (!refund) return false;
    await tx.query('UPDATE accounts SET refunded = refunded + $2, updated_at = now() WHERE user_id = $1', [
      refund.user_id,
      refund.amount,
    ]);
    return true;
  }

  /**
   * After the transaction committed: brings the live balance up to the refunds PostgreSQL holds.
   * Safe to repeat, so a caller that failed here (Redis down) simply runs it again.
   */
  async apply(userId: string): Promise<void> {
    const totals = await this.book.totals(userId);
    if (totals) await this.ledger.applyTotals(userId, totals);
  }
}
