import { DynamicModule, Module } from '@nestjs/common';
import {
  BreakersModule,
  ConfigModule,
  DatabaseModule,
  HealthModule,
  JobQueueModule,
  MetricsModule,
  RedisModule,
  redisConfigured,
  RuntimeConfig,
} from '@maas/core';
import { MemesModule } from '@maas/memes';
import { LedgerWorkerModule, TokensModule } from '@maas/tokens';

/**
 * The background work, scaled apart from the API: the meme jobs (making memes sold before they
 * were made, refunds, notifications) and, in Redis mode, the usage drain and reconciliation.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: RuntimeConfig): DynamicModule {
    const redis = redisConfigured(config);
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        ...(redis ? [RedisModule.forRoot(config)] : []),
        MetricsModule,
        BreakersModule,
        HealthModule,
        JobQueueModule,
        TokensModule.forRoot({ redis, api: false }),
        MemesModule.forRoot({ api: false, worker: true }),
        ...(redis ? [LedgerWorkerModule] : []),
      ],
    };
  }
}
