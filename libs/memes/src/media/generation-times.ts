import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { APP_CONFIG, MemeFormat, Metrics, RuntimeConfig } from '@maas/core';

/** Weight of the newest measurement in the moving average. */
const SMOOTHING = 0.2;

/** Milliseconds from an arbitrary origin that never goes backwards; replaced in tests. */
export type MonotonicClock = () => number;
export const GENERATION_CLOCK = Symbol('GenerationClock');

interface FormatTimes {
  averageMs: number;
  /** When the newest measurement was taken. */
  sampledAt: number;
  /** When the request now trying a slow format synchronously again was let through. */
  probeSince?: number;
}

/**
 * How long memes take to make, per format: exported as a histogram, logged, and kept as a moving
 * average that decides whether a format is made while the caller waits or after the sale
 * (SYNC_GENERATION_BUDGET_MS).
 *
 * Only this process's own measurements count: what matters is how long the caller here would
 * wait. A format made by a worker in another process (WORKER_IN_PROCESS=false) is measured there,
 * not here, so a slow format would stay asynchronous forever. Instead, measurements older than
 * SYNC_GENERATION_RETRY_SECONDS are stale: one request at a time then tries the format
 * synchronously again, and its measurement starts the average afresh.
 */
@Injectable()
export class GenerationTimes {
  private readonly logger = new Logger('Generation');
  private readonly times = new Map<MemeFormat, FormatTimes>();
  private readonly staleAfterMs: number;

  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) config: RuntimeConfig,
    @Optional() @Inject(GENERATION_CLOCK) private readonly now: MonotonicClock = () => performance.now(),
  ) {
    this.staleAfterMs = config.syncGenerationRetrySeconds * 1000;
  }

  record(format: MemeFormat, ms: number, memeId: string): void {
    this.metrics.observe('maas_meme_generation_seconds', 'Time to make a meme (render, store, link), by format.', ['format', format], ms / 1000);
    const now = this.now();
    const times = this.times.get(format);
    if (times === undefined || now - times.sampledAt >= this.staleAfterMs) {
      this.times.set(format, { averageMs: ms, sampledAt: now });
    } else {
      times.averageMs += SMOOTHING * (ms - times.averageMs);
      times.sampledAt = now;
      times.probeSince = undefined;
    }
    if (format !== 'text') this.logger.log(`Made ${format} meme ${memeId} in ${Math.round(ms)} ms`);
  }

  /**
   * True while this format's recent generations took longer than the budget. Once they are stale,
   * answers false to one caller (who then makes the meme synchronously and so measures it) and true
   * to the others; a probe that never reports (its generation failed) is replaced after the same delay.
   */
  slowerThan(format: MemeFormat, budgetMs: number): boolean {
    const times = this.times.get(format);
    if (times === undefined || times.averageMs <= budgetMs) return false;
    const now = this.now();
    if (now - times.sampledAt < this.staleAfterMs) return true;
    if (times.probeSince !== undefined && now - times.probeSince < this.staleAfterMs) return true;
    times.probeSince = now;
    return false;
  }
}
