import { DynamicModule, Module } from '@nestjs/common';
import { BreakersModule, ConfigModule, DatabaseModule, HealthModule, MetricsModule, RedisModule, redisConfigured, RuntimeConfig } from '@maas/core';
import { LedgerWorkerModule } from '@maas/tokens';

/** The background side of the ledger, scaled apart from the API: usage drain and reconciliation. */
@Module({})
export class WorkerModule {
  static forRoot(config: RuntimeConfig): DynamicModule {
    if (!redisConfigured(config)) {
      throw new Error('The worker moves usage events out of Redis: set REDIS_URL or REDIS_CLUSTER_NODES');
    }
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule, RedisModule.forRoot(config), MetricsModule, BreakersModule, HealthModule, LedgerWorkerModule],
    };
  }
}
