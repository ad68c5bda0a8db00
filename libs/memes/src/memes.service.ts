import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppError, APP_CONFIG, RuntimeConfig } from '@maas/core';
import { TokenLedger } from '@maas/tokens';
import { Inject } from '@nestjs/common';
import { Caption } from './caption';
import { MemeGenerator } from './meme-generator';
import { MemeFormat, MemeQuery } from './meme-query';
import { Place } from './places';

export interface Meme {
  readonly id: string;
  readonly format: MemeFormat;
  readonly meme: string;
  readonly caption: Caption;
  readonly place: Place;
  readonly userId: string;
  readonly lat: number;
  readonly lon: number;
  readonly query: string;
  readonly cost: number;
  /** The caller's balance after this meme (also in the Tokens-Remaining header). */
  readonly remaining: number;
  readonly createdAt: string;
}

@Injectable()
export class MemesService {
  constructor(
    private readonly ledger: TokenLedger,
    private readonly generator: MemeGenerator,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  /** Charge first (atomically, never overdrawn), then generate; a failed generation is refunded. */
  async create(userId: string, request: MemeQuery): Promise<Meme> {
    const cost = this.config.memeCosts[request.format];
    const outcome = await this.ledger.charge(userId, cost);
    if (outcome.kind === 'no_account') throw new AppError('account_not_found');
    if (outcome.kind === 'insufficient') {
      throw new AppError(
        'insufficient_tokens',
        `A ${request.format} meme costs ${cost} tokens and your balance is ${outcome.remaining}.`,
        { balance: outcome.remaining, cost },
      );
    }
    let generated;
    try {
      generated = await this.generator.generate(request);
    } catch (error) {
      await this.ledger.refund(userId, cost);
      throw error;
    }
    return {
      id: randomUUID(),
      format: request.format,
      meme: generated.content,
      caption: generated.caption,
      place: generated.place,
      userId,
      lat: request.lat,
      lon: request.lon,
      query: request.query,
      cost,
      remaining: outcome.remaining,
      createdAt: new Date().toISOString(),
    };
  }
}
