import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppError, RuntimeConfig } from '@maas/core';
import { fingerprintOf, SaleContent, SalesArchive, TokenLedger } from '@maas/tokens';
import { Caption } from './caption';
import { MemeGenerator } from './meme-generator';
import { MemeFormat, MemeQuery } from './meme-query';
import { Place } from './places';

/** A meme as the API returns it. */
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
  readonly createdAt: string;
  /** The caller's balance right after this meme was bought (also in the Tokens-Remaining header). */
  readonly remaining: number;
}

/** A meme read back after the sale: as first answered, less the balance of that moment. */
export type StoredMeme = Omit<Meme, 'remaining'> & {
  /** When the answer carrying it was handed to the network; null if that never happened. */
  readonly deliveredAt: string | null;
};

/** How many undelivered memes one call lists. */
export const UNDELIVERED_LIMIT = 100;

export interface MemeResult {
  readonly meme: Meme;
  /** True when this is the stored answer to an earlier request with the same Idempotency-Key. */
  readonly replayed: boolean;
}

@Injectable()
export class MemesService {
  constructor(
    private readonly ledger: TokenLedger,
    private readonly generator: MemeGenerator,
    private readonly archive: SalesArchive,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  async find(userId: string, id: string): Promise<StoredMeme> {
    const sale = await this.archive.find(userId, id);
    if (!sale) throw new AppError('meme_not_found');
    return stored(sale.content, sale.deliveredAt);
  }

  async undelivered(userId: string): Promise<StoredMeme[]> {
    return (await this.archive.undelivered(userId, UNDELIVERED_LIMIT)).map((sale) => stored(sale.content, sale.deliveredAt));
  }

  /**
   * Makes the meme, then sells it in one atomic ledger step (charge, usage record, stored meme,
   * idempotency record). Making it first means a generation failure charges nothing, and a
   * charge always has its meme.
   */
  async create(userId: string, request: MemeQuery, idempotencyKey?: string): Promise<MemeResult> {
    const cost = this.config.memeCosts[request.format];
    const generated = await this.generator.generate(request);
    const id = randomUUID();
    const content: Omit<Meme, 'remaining'> = {
      id,
      format: request.format,
      meme: generated.content,
      caption: generated.caption,
      place: generated.place,
      userId,
      lat: request.lat,
      lon: request.lon,
      query: request.query,
      cost,
      createdAt: new Date().toISOString(),
    };
    const outcome = await this.ledger.sell({
      id,
      userId,
      cost,
      format: request.format,
      content,
      idempotency:
        idempotencyKey === undefined
          ? undefined
          : { key: idempotencyKey, fingerprint: fingerprintOf([request.format, request.lat, request.lon, request.query]) },
    });
    switch (outcome.kind) {
      case 'sold':
        return { meme: memeOf(content, outcome.remaining), replayed: false };
      case 'insufficient':
        throw insufficient(request.format, cost, outcome.remaining);
      case 'no_account':
        throw new AppError('account_not_found');
      case 'key_reused':
        throw new AppError('idempotency_key_reused');
      case 'replayed':
        if (outcome.status === 402) {
          throw insufficient(request.format, cost, outcome.remaining, { 'Idempotent-Replayed': 'true' });
        }
        if (!outcome.content) throw new Error(`Idempotency record of ${userId} has no meme`);
        return { meme: memeOf(outcome.content, outcome.remaining), replayed: true };
    }
  }
}

function insufficient(format: MemeFormat, cost: number, balance: number, headers: Record<string, string> = {}): AppError {
  return new AppError(
    'insufficient_tokens',
    `A ${format} meme costs ${cost} tokens and your balance is ${balance}.`,
    { balance, cost },
    headers,
  );
}

function stored(content: SaleContent, deliveredAt: Date | null): StoredMeme {
  const { remaining: _, ...meme } = memeOf(content, 0);
  return { ...meme, deliveredAt: deliveredAt?.toISOString() ?? null };
}

/** Field by field, in a fixed order, so a replay is the same JSON as the first answer. */
function memeOf(content: SaleContent, remaining: number): Meme {
  const c = content as Omit<Meme, 'remaining'>;
  return {
    id: c.id,
    format: c.format,
    meme: c.meme,
    caption: c.caption,
    place: c.place,
    userId: c.userId,
    lat: c.lat,
    lon: c.lon,
    query: c.query,
    cost: c.cost,
    createdAt: c.createdAt,
    remaining,
  };
}
