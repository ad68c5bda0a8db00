import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { Pool } from 'pg';
import { APP_CONFIG, RuntimeConfig } from '../config/config.module';
import { Metrics } from '../metrics/metrics';
import { RedisClient } from '../redis/lua-script';
import { REDIS } from '../redis/redis.module';
import { Breakers } from '../resilience/breakers';

/** A check not answered within this counts as down (the next one starts a refresh later). */
export const PROBE_TIMEOUT_MS = 1000;

export type Checked = 'postgres' | 'redis';
export type CheckStatus = 'up' | 'down';

/**
 * The dependencies' last known state, refreshed in the background every HEALTH_CHECK_INTERVAL_MS,
 * so /health/ready answers at once from memory: a flood of probes costs no dependency calls, and
 * a slow or frozen dependency never makes a probe wait (it reads as down once its check times out).
 *
 * PostgreSQL is checked over a connection of its own, not the app's pool: a pool busy with
 * requests is not an outage, and must not take the instance out of rotation. A dependency also
 * reads as down at once while its circuit breaker is open (the sales are failing now), without
 * waiting for the next check.
 */
@Injectable()
export class Readiness implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Readiness');
  private readonly status = new Map<Checked, CheckStatus>();
  private readonly probe: Pool;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly metrics: Metrics,
    private readonly breakers: Breakers,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    @Optional() @Inject(REDIS) private readonly redis?: RedisClient,
  ) {
    this.probe = new Pool({
      connectionString: config.databaseUrl,
      max: 1,
      connectionTimeoutMillis: Math.min(config.databaseConnectTimeoutMs, PROBE_TIMEOUT_MS),
      query_timeout: PROBE_TIMEOUT_MS,
      idleTimeoutMillis: 0,
      application_name: 'maas-health',
    });
    // A connection lost while idle is replaced by the next check; the check reports the outage.
    this.probe.on('error', () => undefined);
  }

  /** The first check completes before the app serves, so readiness is true from the first request. */
  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.probe.end();
  }

  /** Each checked dependency's state, as of its last check and its breaker now. */
  checks(): Record<string, CheckStatus> {
    const checks: Record<string, CheckStatus> = {};
    for (const [name, status] of this.status) checks[name] = status === 'up' && this.breakers.stateOf(name) !== 'open' ? 'up' : 'down';
    return checks;
  }

  /** Checks every dependency once, in parallel; never rejects. */
  async refresh(): Promise<void> {
    await Promise.all([
      this.check('postgres', () => this.probe.query('SELECT 1')),
      ...(this.redis ? [this.check('redis', () => (this.redis as RedisClient).ping())] : []),
    ]);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.refresh().then(() => this.schedule()), this.config.healthCheckIntervalMs);
  }

  private async check(name: Checked, ping: () => Promise<unknown>): Promise<void> {
    this.metrics.count(`maas_health_checks_${name}_total`, `Background readiness checks of ${name}.`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
    });
    let status: CheckStatus = 'up';
    let reason = '';
    try {
      await Promise.race([ping(), timeout]);
    } catch (error) {
      status = 'down';
      reason = (error as Error).message;
    } finally {
      clearTimeout(timer);
    }
    const before = this.status.get(name);
    this.status.set(name, status);
    this.metrics.gauge(`maas_health_${name}_up`, `1 while the last readiness check of ${name} succeeded.`, status === 'up' ? 1 : 0);
    // Logged when it changes, not on every check: the reasons name internal hosts and are never sent.
    if (status === before || (before === undefined && status === 'up')) return;
    if (status === 'down') this.logger.warn(`${name} down: ${reason}`);
    else this.logger.log(`${name} up`);
  }
}
