import { Global, Inject, Injectable, Logger, Module } from '@nestjs/common';
import CircuitBreaker from 'opossum';
import { APP_CONFIG, RuntimeConfig } from '../config/config.module';
import { AppError } from '../errors/app-error';
import { ERRORS } from '../errors/error-codes';
import { Metrics } from '../metrics/metrics';
import { Bulkhead } from './bulkhead';

/**
 * A breaker per dependency and, for PostgreSQL, per kind of work: 'postgres' is the sale path (and
 * every write), 'postgres-reads' the reads and reports, 'links' the public short-link lookups.
 * Reads and lookups also run through a bulkhead holding a share of the connection pool, so a
 * flood of them waits (or is refused) there, never in the pool queue the sales use, and their
 * failures open their own breaker, never the sales'.
 */
export type Dependency = 'redis' | 'postgres' | 'postgres-reads' | 'links' | 'ai';
export type BreakerState = 'closed' | 'open' | 'half-open';

/** After this, an open breaker lets one call through to test the dependency again. */
const RESET_MS = 2000;
const NAMES: Record<Dependency, string> = {
  redis: 'token ledger',
  postgres: 'database',
  'postgres-reads': 'database',
  links: 'link store',
  ai: 'AI generator',
};
/** Shares of DATABASE_POOL_SIZE (at least one connection each); the sales keep the rest, half or more. */
const BULKHEADS: Partial<Record<Dependency, { share: number; work: string }>> = {
  'postgres-reads': { share: 0.3, work: 'reads' },
  links: { share: 0.2, work: 'short-link lookups' },
};
/** Callers that may wait for a bulkhead slot, per slot; more are refused with 429 at once. */
const QUEUE_PER_SLOT = 100;

@Injectable()
export class Breakers {
  private readonly logger = new Logger('Breakers');
  private readonly breakers = new Map<Dependency, CircuitBreaker<[() => Promise<unknown>], unknown>>();
  /** When each open breaker lets a trial call through, for the Retry-After of the calls it refuses. */
  private readonly trialAt = new Map<Dependency, number>();
  private readonly bulkheads = new Map<Dependency, Bulkhead>();

  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  /**
   * Runs `work` through the dependency's breaker; an outage surfaces as 503 with Retry-After.
   * (The AI generator's callers catch it and fall back to a local meme instead.)
   */
  run<T>(dependency: Dependency, work: () => Promise<T>): Promise<T> {
    const bulkhead = this.bulkhead(dependency);
    const guarded = bulkhead ? () => bulkhead.run(work) : work;
    return (this.breaker(dependency).fire(guarded) as Promise<T>).catch((error: unknown) => {
      if (error instanceof AppError) throw error;
      throw AppError.unavailable(`The ${NAMES[dependency]} is unavailable.`, this.retryAfterSeconds(dependency), error);
    });
  }

  /**
   * Seconds until the breaker lets a call through again: what is left of its reset time while it
   * is open, else 1 (the failure was this call's, or a trial call is already under way).
   */
  retryAfterSeconds(dependency: Dependency): number {
    const trialAt = this.trialAt.get(dependency);
    if (!this.breakers.get(dependency)?.opened || trialAt === undefined) return 1;
    return Math.max(1, Math.ceil((trialAt - Date.now()) / 1000));
  }

  stateOf(dependency: Dependency): BreakerState {
    const breaker = this.breakers.get(dependency);
    if (!breaker) return 'closed';
    return breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed';
  }

  private breaker(dependency: Dependency): CircuitBreaker<[() => Promise<unknown>], unknown> {
    let breaker = this.breakers.get(dependency);
    if (breaker) return breaker;
    // The AI endpoint is someone else's service: its own thresholds (AI_*); ours recover fast.
    const ai = dependency === 'ai' ? this.config.ai : undefined;
    const resetMs = ai?.resetMs ?? RESET_MS;
    breaker = new CircuitBreaker((work: () => Promise<unknown>) => work(), {
      // The clients' own timeouts bound every call; a second timer here would only add work.
      timeout: false,
      // Only the error rate is used. By default opossum also keeps every call's latency and, each
      // second, concatenates and sorts the last 10 s of them (60,000 at 6,000 sales/s) for
      // percentiles and snapshots nothing reads.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      errorThresholdPercentage: ai?.errorThresholdPercent ?? 50,
      volumeThreshold: ai?.volumeThreshold ?? 10,
      rollingCountTimeout: 10_000,
      resetTimeout: resetMs,
      errorFilter: (error: unknown) => error instanceof AppError && ERRORS[error.code].status < 500,
    });
    const state = (open: number) => this.metrics.gauge(`maas_breaker_${dependency.replace('-', '_')}_open`, `1 while the ${dependency} circuit breaker is open.`, open);
    breaker.on('open', () => {
      this.trialAt.set(dependency, Date.now() + resetMs);
      this.logger.warn(`${dependency} breaker open: failing fast for ${resetMs} ms`);
      state(1);
    });
    breaker.on('close', () => {
      this.logger.log(`${dependency} breaker closed`);
      state(0);
    });
    state(0);
    this.breakers.set(dependency, breaker);
    return breaker;
  }

  private bulkhead(dependency: Dependency): Bulkhead | undefined {
    const settings = BULKHEADS[dependency];
    if (!settings) return undefined;
    let bulkhead = this.bulkheads.get(dependency);
    if (!bulkhead) {
      const slots = Math.max(1, Math.floor(this.config.databasePoolSize * settings.share));
      bulkhead = new Bulkhead(settings.work, slots, slots * QUEUE_PER_SLOT);
      this.bulkheads.set(dependency, bulkhead);
    }
    return bulkhead;
  }
}

@Global()
@Module({ providers: [Breakers], exports: [Breakers] })
export class BreakersModule {}
