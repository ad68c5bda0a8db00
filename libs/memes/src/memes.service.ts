import { randomInt, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppError, MEME_FORMATS, MemeFormat, RequestedFormat, RuntimeConfig } from '@maas/core';
import { fingerprintOf, SaleContent, SalePosition, TokenLedger } from '@maas/tokens';
import { MemeJobs } from './async/meme-jobs';
import { Caption } from './caption';
import { GenerationTimes } from './media/generation-times';
import { MemePublisher } from './media/meme-publisher';
import { GeneratedMeme, GeneratorKind, MemeGenerator } from './meme-generator';
import { PremiumMemeGenerator } from './premium/premium-meme-generator';
import { MemeQuery } from './meme-query';
import { Place } from './places';

export type MemeStatus = 'ready' | 'pending' | 'failed';

/** A meme as the API returns it. */
export interface Meme {
  readonly id: string;
  readonly format: MemeFormat;
  /** `standard`, `ai` (premium, written by the AI generator) or `fallback` (premium, made locally). */
  readonly generator: GeneratorKind;
  /** `pending`: paid for, being made (answered 202); poll `statusUrl`. */
  readonly status: MemeStatus;
  /** The caption (text) or a short link to the image or video; null until ready. */
  readonly meme: string | null;
  /** Where to follow a pending meme: GET /memes/{id}. */
  readonly statusUrl: string;
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
  /** Why a failed meme could not be made (its tokens were refunded). */
  readonly error?: string;
};

/** How many undelivered memes one call lists at most. */
export const UNDELIVERED_LIMIT = 100;

/** A page of undelivered memes; `next` is where the following page starts, if there is one. */
export interface UndeliveredPage {
  readonly memes: readonly StoredMeme[];
  readonly next?: SalePosition;
}

/**
 * What the caller may get: the token's premium claim, and the subscription's answer (when not
 * known at once, a promise, so the lookup can run beside other work).
 */
export interface CallerAccess {
  readonly claimsPremium: boolean;
  readonly premium: boolean | Promise<boolean>;
}

const STANDARD_ACCESS: CallerAccess = { claimsPremium: false, premium: false };

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
    private readonly premium: PremiumMemeGenerator,
    private readonly publisher: MemePublisher,
    private readonly jobs: MemeJobs,
    private readonly times: GenerationTimes,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  async find(userId: string, id: string): Promise<StoredMeme> {
    const sale = await this.ledger.find(userId, id);
    if (!sale) throw new AppError('meme_not_found');
    const meme = stored(sale.content, sale.deliveredAt);
    if (meme.status !== 'pending') return meme;
    const job = await this.jobs.progress(id);
    if (!job || job.status === 'pending') return meme;
    return job.status === 'ready' ? { ...meme, status: 'ready', meme: job.link } : { ...meme, status: 'failed', error: job.error ?? undefined };
  }

  async undelivered(userId: string, limit: number, before?: SalePosition): Promise<UndeliveredPage> {
    const page = await this.ledger.undelivered(userId, limit, before);
    return { memes: page.items.map((sale) => stored(sale.content, sale.deliveredAt)), next: page.next };
  }

  /**
   * Sells a meme in one atomic ledger step (charge, usage record, stored meme, idempotency record).
   * A fast format is made first, so a generation failure charges nothing and a charge always has
   * its meme. A slow one (a video) is sold first and made by a job queued with the charge's record;
   * if it cannot be made, the job refunds it.
   */
  async create(userId: string, request: MemeQuery, idempotencyKey?: string, access: CallerAccess = STANDARD_ACCESS): Promise<MemeResult> {
    const format = resolveFormat(request.format);
    const deferred = this.isMadeLater(format);
    const started = performance.now();
    const { generated, affordabilityChecked } = await this.generate(userId, request, format, idempotencyKey, access);
    const premium = generated.generator !== 'standard';
    const cost = this.costOf(format, premium);
    const id = randomUUID();
    let meme: string | null = null;
    if (format === 'text') {
      meme = generated.content;
      this.times.record('text', performance.now() - started, id);
    } else if (!deferred) {
      // Rendering costs far more than a balance read: refuse a caller who cannot pay first. (A
      // request whose Idempotency-Key has an answer stored is a replay, which costs nothing.)
      if (!affordabilityChecked && !(await this.mayReplay(userId, idempotencyKey))) await this.checkAffordable(userId, format, cost);
      meme = await this.publisher.publish(id, format, generated.caption, premium);
    }
    const content: Omit<Meme, 'remaining'> = {
      id,
      format,
      generator: generated.generator,
      status: deferred ? 'pending' : 'ready',
      meme,
      statusUrl: `/memes/${id}`,
      caption: generated.caption,
      place: generated.place,
      userId,
      lat: request.lat,
      lon: request.lon,
      query: request.query,
      cost,
      createdAt: new Date().toISOString(),
    };
    let sold = false;
    try {
      const outcome = await this.ledger.sell({
        id,
        userId,
        cost,
        format,
        content,
        deferred,
        idempotency:
          idempotencyKey === undefined
            ? undefined
            : { key: idempotencyKey, fingerprint: fingerprintOf([request.format, request.lat, request.lon, request.query]) },
      });
      switch (outcome.kind) {
        case 'sold':
          sold = true;
          return { meme: memeOf(content, outcome.remaining), replayed: false };
        case 'insufficient':
          throw insufficient(format, cost, outcome.remaining);
        case 'no_account':
          throw new AppError('account_not_found');
        case 'key_reused':
          throw new AppError('idempotency_key_reused');
        case 'replayed':
          if (outcome.status === 402) {
            throw insufficient(format, cost, outcome.remaining, { 'Idempotent-Replayed': 'true' });
          }
          if (!outcome.content) throw new Error(`Idempotency record of ${userId} has no meme`);
          return { meme: memeOf(outcome.content, outcome.remaining), replayed: true };
        default:
          throw new Error(`Unexpected sale outcome for ${userId}`);
      }
    } finally {
      if (!sold && meme !== null && format !== 'text') void this.publisher.withdraw(id);
    }
  }

  /**
   * Validation and meme generation run in parallel: for a caller whose token
   * claims premium, the AI call starts at once, while the subscription (and, without an
   * Idempotency-Key, the balance) is checked, and is abandoned if either says no. Measured (npm
   * run bench, AI answering in 50 ms): premium p50 52 ms against 53 ms when started in turn. A premium
   * caller without the claim is found by the subscription, then served the same way, in turn.
   * A claim without an active subscription never gets AI content.
   */
  private async generate(
    userId: string,
    request: MemeQuery,
    format: MemeFormat,
    idempotencyKey: string | undefined,
    access: CallerAccess,
  ): Promise<{ generated: GeneratedMeme; affordabilityChecked: boolean }> {
    // Without an AI endpoint there is nothing slow to start early.
    if (!access.claimsPremium || !this.premium.asksAi) {
      const generated = (await access.premium) ? await this.premium.generate(request) : await this.generator.generate(request);
      return { generated, affordabilityChecked: false };
    }
    const abandon = new AbortController();
    const early = this.premium.generate(request, abandon.signal);
    // The balance too (unless the request replays a stored answer), so an AI call is not left
    // running for a caller who cannot pay; at the cheaper of the two prices, as the subscription
    // has not answered yet. Answers whether it checked.
    const check = this.mayReplay(userId, idempotencyKey).then(async (replay) => {
      if (!replay) await this.checkAffordable(userId, format, Math.min(this.costOf(format, false), this.costOf(format, true)));
      return !replay;
    });
    try {
      const [premium, checked] = await Promise.all([access.premium, check]);
      if (premium) return { generated: await early, affordabilityChecked: checked && this.config.premiumCostMultiplier <= 1 };
      abandon.abort();
      return { generated: await this.generator.generate(request), affordabilityChecked: false };
    } catch (error) {
      abandon.abort();
      throw error;
    }
  }

  private async mayReplay(userId: string, idempotencyKey: string | undefined): Promise<boolean> {
    return idempotencyKey !== undefined && (await this.ledger.hasStoredAnswer(userId, idempotencyKey));
  }

  private costOf(format: MemeFormat, premium: boolean): number {
    const cost = this.config.memeCosts[format];
    return premium ? Math.max(1, Math.ceil(cost * this.config.premiumCostMultiplier)) : cost;
  }

  private isMadeLater(format: MemeFormat): boolean {
    return this.config.asyncFormats.includes(format) || this.times.slowerThan(format, this.config.syncGenerationBudgetMs);
  }

  private async checkAffordable(userId: string, format: MemeFormat, cost: number): Promise<void> {
    const balance = await this.ledger.balance(userId);
    if (!balance) throw new AppError('account_not_found');
    if (balance.remaining < cost) throw insufficient(format, cost, balance.remaining);
  }
}

function resolveFormat(requested: RequestedFormat): MemeFormat {
  return requested === 'random' ? MEME_FORMATS[randomInt(MEME_FORMATS.length)] : requested;
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
    // Memes sold before formats and premium existed were all ready standard text.
    generator: c.generator ?? 'standard',
    status: c.status ?? 'ready',
    meme: c.meme,
    statusUrl: c.statusUrl ?? `/memes/${c.id}`,
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
