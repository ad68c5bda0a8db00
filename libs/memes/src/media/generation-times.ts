import { Injectable, Logger } from '@nestjs/common';
import { MemeFormat, Metrics } from '@maas/core';

/** Weight of the newest measurement in the moving average. */
const SMOOTHING = 0.2;

/**
 * How long memes take to make, per format: exported as a histogram (the seed asks to measure it),
 * logged, and kept as a moving average that decides whether a format is made while the caller
 * waits or after the sale (SYNC_GENERATION_BUDGET_MS).
 */
@Injectable()
export class GenerationTimes {
  private readonly logger = new Logger('Generation');
  private readonly averageMs = new Map<MemeFormat, number>();

  constructor(private readonly metrics: Metrics) {}

  record(format: MemeFormat, ms: number, memeId: string): void {
    this.metrics.observe('maas_meme_generation_seconds', 'Time to make a meme (render, store, link), by format.', ['format', format], ms / 1000);
    const average = this.averageMs.get(format);
    this.averageMs.set(format, average === undefined ? ms : average + SMOOTHING * (ms - average));
    if (format !== 'text') this.logger.log(`Made ${format} meme ${memeId} in ${Math.round(ms)} ms`);
  }

  /** True while this format's recent generations took longer than the budget. */
  slowerThan(format: MemeFormat, budgetMs: number): boolean {
    return (this.averageMs.get(format) ?? 0) > budgetMs;
  }
}
