import { Controller, Get, Inject, Optional, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/auth.decorators';
import { APP_CONFIG, RuntimeConfig } from '../config/config.module';
import { Breakers } from '../resilience/breakers';
import { AppError } from '../errors/app-error';
import { Lifecycle } from '../lifecycle/shutdown';
import { RedisClient } from '../redis/lua-script';
import { REDIS } from '../redis/redis.module';

const PROBE_TIMEOUT_MS = 1000;

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly lifecycle: Lifecycle,
    private readonly breakers: Breakers,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
    @Optional() @Inject(REDIS) private readonly redis?: RedisClient,
  ) {}

  /** Liveness: the process answers. Never checks dependencies, so an outage does not restart pods. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness probe (process only)' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: PostgreSQL and (when configured) Redis answer, and the process is not shutting down; 503 otherwise. */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness probe (PostgreSQL and Redis; 503 while shutting down). Shows the AI breaker, which never fails it.' })
  async ready(): Promise<HealthCheckResult> {
    if (this.lifecycle.draining) throw AppError.unavailable('Shutting down.');
    try {
      return await this.health.check([
        () => this.postgres.pingCheck('postgres', { timeout: PROBE_TIMEOUT_MS }),
        ...(this.redis ? [() => this.pingRedis(this.redis as RedisClient)] : []),
        ...(this.config.ai.baseUrl ? [() => this.aiBreaker()] : []),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      // Same problem+json as every error, with each dependency's up/down (the reasons are logged,
      // not sent: they name internal hosts).
      const { details } = error.getResponse() as HealthCheckResult;
      const checks = Object.fromEntries(Object.entries(details).map(([name, { status }]) => [name, status]));
      throw new AppError('service_unavailable', 'A dependency is down.', { checks }, { 'Retry-After': '1' }, new Error(JSON.stringify(details)));
    }
  }

  /**
   * The AI generator's breaker, for information: always "up", because premium callers get a local
   * meme while it is open, so an AI outage must never take the API out of rotation.
   */
  private aiBreaker() {
    return this.indicators.check('ai').up({ breaker: this.breakers.stateOf('ai') });
  }

  private async pingRedis(redis: RedisClient) {
    const indicator = this.indicators.check('redis');
    try {
      await redis.ping();
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}
