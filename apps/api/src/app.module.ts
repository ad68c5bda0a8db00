import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import {
  AuthGuard,
  AuthModule,
  BreakersModule,
  ConfigModule,
  DatabaseModule,
  HealthModule,
  JobQueueModule,
  MetricsModule,
  ProblemFilter,
  RedisModule,
  redisConfigured,
  RuntimeConfig,
  ThrottlingModule,
  UserThrottlerGuard,
} from '@maas/core';
import { MemesModule, PremiumGuard } from '@maas/memes';
import { SubscriptionsModule } from '@maas/subscriptions';
import { TokensModule, LedgerWorkerModule } from '@maas/tokens';

@Module({})
export class AppModule {
  static forRoot(config: RuntimeConfig): DynamicModule {
    const redis = redisConfigured(config);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        ...(redis ? [RedisModule.forRoot(config)] : []),
        AuthModule,
        ThrottlingModule.forRoot({ perMinute: config.rateLimitPerMinute, redis }),
        HealthModule,
        MetricsModule,
        BreakersModule,
        JobQueueModule,
        TokensModule.forRoot({ redis }),
        SubscriptionsModule.forRoot({ redis }),
        MemesModule.forRoot({ api: true, worker: config.workerInProcess }),
        // In Redis mode usage events wait in Redis streams until the worker moves them to PostgreSQL.
        // (The meme jobs are in MemesModule's worker part.)
        ...(redis && config.workerInProcess ? [LedgerWorkerModule] : []),
      ],
      providers: [
        // Order matters: the rate limit is per user, so the caller must be known first; the premium
        // lookup starts before the rate-limit count, so it runs beside the count, not after it.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: PremiumGuard },
        { provide: APP_GUARD, useClass: UserThrottlerGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}
