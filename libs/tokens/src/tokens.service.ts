import { Injectable } from '@nestjs/common';
import { AppError } from '@maas/core';
import { Balance } from './balance';
import { TokenLedger } from './ledger.port';
import { PurchaseBook } from './purchase-book';

export interface CreditResult {
  readonly balance: Balance;
  /** False when this reference had already been credited: nothing was added this time. */
  readonly created: boolean;
}

@Injectable()
export class TokensService {
  constructor(
    private readonly ledger: TokenLedger,
    private readonly book: PurchaseBook,
  ) {}

  async balance(userId: string): Promise<Balance> {
    const balance = await this.ledger.balance(userId);
    if (!balance) throw new AppError('account_not_found');
    return balance;
  }

  /**
   * Purchases are written to PostgreSQL first, then applied to the live ledger. A retry with the
   * same reference applies again (harmless: applying is idempotent), which also repairs a ledger
   * that missed the first application because it was down.
   */
  async credit(userId: string, amount: number, reference: string): Promise<CreditResult> {
    const outcome = await this.book.record(userId, amount, reference);
    if (outcome.kind === 'conflict') {
      throw new AppError(
        'purchase_reference_conflict',
        `Reference "${reference}" was already used for a different user or amount.`,
      );
    }
    const balance = await this.ledger.applyPurchases(userId, outcome.totals.purchased);
    return { balance, created: outcome.kind === 'recorded' };
  }
}
