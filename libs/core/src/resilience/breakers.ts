import { Global, Injectable, Logger, Module } from '@nestjs/common';
import CircuitBreaker from 'opossum';
import { AppError } from '../errors/app-error';
import { ERRORS } from '../errors/error-codes';
import { Metrics } from '../metrics/metrics';

export type Dependency = 'redis' | 'postgres';

/** After this, an open breaker lets one call through to test the dependency again. */
const RESET_MS = 2000;

/**
 * One opossum circuit breaker per dependency. The clients already fail fast (timeouts); the
 * breaker stops calling a dependency that keeps failing, so callers get their 503 at once instead
 * of after a timeout each. Business outcomes (any 4xx) are not failures and never trip it.
 */
@Injectable()
export class Breakers {
  private readonly logger = new Logger('Breakers');
  private readonly breakers = new Map<Dependency, CircuitBreaker<[() => Promise<unknown>], unknown>>();

  constructor(private readonly metrics: Metrics) {}

  /** Runs `work` through the dependency's breaker; an outage surfaces as 503 with Retry-After. */
  async run<T>(dependency: Dependency, work: () => Promise<T>): Promise<T> {
    try {
      return (await this.breaker(dependency).fire(work)) as T;
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw AppError.unavailable(`The ${dependency === 'redis' ? 'token ledger' : 'database'} is unavailable.`, RESET_MS / 1000, error);
    }
  }

  private breaker(dependency: Dependency): CircuitBreaker<[() => Promise<unknown>], unknown> {
    let breaker = this.breakers.get(dependency);
    if (breaker) return breaker;
    breaker = new CircuitBreaker((work: () => Promise<unknown>) => work(), {
      // The clients' own timeouts bound every call; a second timer here would only add work.
      timeout: false,
      errorThresholdPercentage: 50,
      volumeThreshold: 10,
      rollingCountTimeout: 10_000,
      resetTimeout: RESET_MS,
      errorFilter: (error: unknown) => error instanceof AppError && ERRORS[error.code].status < 500,
    });
    const state = (open: number) => this.metrics.gauge(`maas_breaker_${dependency}_open`, `1 while the ${dependency} circuit breaker is open.`, open);
    breaker.on('open', () => {
      this.logger.warn(`${dependency} breaker open: failing fast for ${RESET_MS} ms`);
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
