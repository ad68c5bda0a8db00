import { Injectable } from '@nestjs/common';
import { AppError, Breakers } from '@maas/core';
import { Balance } from './balance';
import { fingerprintOf, IdempotencyKeys } from './idempotency-keys';
import { TokenLedger } from './ledger.port';
import { PurchaseBook } from './purchase-book';

export interface CreditResult {
  readonly balance: Balance;
  /** False when this reference had already been credited: nothing was added this time. */
  readonly created: boolean;
  /** True when this is the stored answer to an earlier request with the same Idempotency-Key. */
  readonly replayed: boolean;
}

/** An Idempotency-Key and who sent it: keys are scoped per caller. */
export interface CallerKey {
  readonly callerId: string;
  readonly key: string;
}

@Injectable()
export class TokensService {
  constructor(
    private readonly ledger: TokenLedger,
    private readonly book: PurchaseBook,
    private readonly keys: IdempotencyKeys,
    private readonly breakers: Breakers,
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
  async credit(userId: string, amount: number, reference: string, idempotency?: CallerKey): Promise<CreditResult> {
    if (!idempotency) return this.creditOnce(userId, amount, reference);
    const { callerId, key } = idempotency;
    const fingerprint = fingerprintOf([userId, amount, reference]);
    const stored = await this.breakers.run('postgres', () => this.keys.claim(callerId, key, fingerprint));
    if (stored) {
      if (stored.fingerprint !== fingerprint) throw new AppError('idempotency_key_reused');
      if (stored.status === 0) throw new AppError('idempotency_in_progress', undefined, {}, { 'Retry-After': '1' });
      return { balance: stored.body as Balance, created: stored.status === 201, replayed: true };
    }
    try {
      const result = await this.creditOnce(userId, amount, reference);
      const status = result.created ? 201 : 200;
      const outcome = { status, remaining: result.balance.remaining, body: result.balance };
      await this.breakers.run('postgres', () => this.keys.complete(callerId, key, outcome));
      return result;
    } catch (error) {
      // Best effort: a key left in flight is taken over after a minute anyway.
      await this.keys.release(callerId, key).catch(() => undefined);
      throw error;
    }
  }

  private async creditOnce(userId: string, amount: number, reference: string): Promise<CreditResult> {
    const outcome = await this.book.record(userId, amount, reference);
    if (outcome.kind === 'conflict') {
      throw new AppError(
        'purchase_reference_conflict',
        `Reference "${reference}" was already used for a different user or amount.`,
      );
    }
    const balance = await this.ledger.applyTotals(userId, outcome.totals);
    return { balance, created: outcome.kind === 'recorded', replayed: false };
  }
}
