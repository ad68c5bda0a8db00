import { Global, Inject, Injectable, Logger, Module } from '@nestjs/common';
import CircuitBreaker from 'opossum';
import { APP_CONFIG, RuntimeConfig } from '../config/config.module';
import { AppError } from '../errors/app-error';
import { ERRORS } from '../errors/error-codes';
import { Metrics } from '../metrics/metrics';

export type Dependency = 'redis' | 'postgres' | 'ai';
export type BreakerState = 'closed' | 'open' | 'half-open';

/** After this, an open breaker lets one call through to test the dependency again. */
const RESET_MS = 2000;
const NAMES: Record<Dependency, string> = { redis: 'token ledger', postgres: 'database', ai: 'AI generator' };

/**
 * One opossum circuit breaker per dependency. The clients already fail fast (timeouts); the
 * breaker stops calling a dependency that keeps failing, so callers get their 503 at once instead
 * of after a timeout each. Business outcomes (any 4xx) are not failures and never trip it.
 */
@Injectable()
export class Breakers {
  private readonly logger = new Logger('Breakers');
  private readonly breakers = new Map<Dependency, CircuitBreaker<[() => Promise<unknown>], unknown>>();

  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  /**
   * Runs `work` through the dependency's breaker; an outage surfaces as 503 with Retry-After.
   * (The AI generator's callers catch it and fall back to a local meme instead.)
   */
  run<T>(dependency: Dependency, work: () => Promise<T>): Promise<T> {
    return (this.breaker(dependency).fire(work) as Promise<T>).catch((error: unknown) => {
      if (error instanceof AppError) throw error;
      throw AppError.unavailable(`The ${NAMES[dependency]} is unavailable.`, RESET_MS / 1000, error);
    });
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
    const state = (open: number) => this.metrics.gauge(`maas_breaker_${dependency}_open`, `1 while the ${dependency} circuit breaker is open.`, open);
    breaker.on('open', () => {
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
}

@Global()
@Module({ providers: [Breakers], exports: [Breakers] })
export class BreakersModule {}
