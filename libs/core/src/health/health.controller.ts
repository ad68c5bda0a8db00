import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { APP_CONFIG, RuntimeConfig } from '../config/config.module';
import { Breakers } from '../resilience/breakers';
import { AppError } from '../errors/app-error';
import { Lifecycle } from '../lifecycle/shutdown';
import { Readiness } from './readiness';

type Indicators = Record<string, { status: 'up'; breaker?: string }>;

/** The terminus-style body load balancers and dashboards read: every indicator under `info` and `details`. */
interface ReadyBody {
  status: 'ok';
  info: Indicators;
  error: Record<string, never>;
  details: Indicators;
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly readiness: Readiness,
    private readonly lifecycle: Lifecycle,
    private readonly breakers: Breakers,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  /** Liveness: the process answers. Never checks dependencies, so an outage does not restart pods. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness probe (process only)' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: PostgreSQL and (when configured) Redis were up at their last background check and
   * their breakers are not open, and the process is not shutting down; 503 otherwise. Answered
   * from memory: probes never wait on a dependency.
   */
  @Get('ready')
  @ApiOperation({
    summary: 'Readiness probe (PostgreSQL and Redis, checked in the background; 503 while shutting down). Shows the AI breaker, which never fails it.',
  })
  ready(): ReadyBody {
    if (this.lifecycle.draining) throw AppError.unavailable('Shutting down.');
    const checks = this.readiness.checks();
    // Same problem+json as every error, with each dependency's up/down (the reasons are logged).
    if (Object.values(checks).includes('down')) throw new AppError('service_unavailable', 'A dependency is down.', { checks }, { 'Retry-After': '1' });
    const details: Indicators = {};
    for (const name of Object.keys(checks)) details[name] = { status: 'up' };
    // The AI breaker, for information: premium callers get a local meme while it is open, so an AI
    // outage must never take the API out of rotation.
    if (this.config.ai.baseUrl) details.ai = { status: 'up', breaker: this.breakers.stateOf('ai') };
    return { status: 'ok', info: details, error: {}, details };
  }
}
