import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminSubscriptionsController } from './admin-subscriptions.controller';
import { MemorySubscriptionCache } from './memory-subscription-cache';
import { RedisSubscriptionCache } from './redis-subscription-cache';
import { SubscriptionCache } from './subscription-cache';
import { SubscriptionEntity } from './subscription.entity';
import { SubscriptionStore } from './subscription-store';
import { SubscriptionsController } from './subscriptions.controller';
import { Subscriptions } from './subscriptions.service';

@Module({})
export class SubscriptionsModule {
  /** `redis`: the cache lives in Redis (REDIS_URL or REDIS_CLUSTER_NODES set); otherwise in process. Global: premium checks use it. */
  static forRoot({ redis }: { redis: boolean }): DynamicModule {
    return {
      module: SubscriptionsModule,
      imports: [TypeOrmModule.forFeature([SubscriptionEntity])],
      controllers: [SubscriptionsController, AdminSubscriptionsController],
      providers: [
        SubscriptionStore,
        { provide: SubscriptionCache, useClass: redis ? RedisSubscriptionCache : MemorySubscriptionCache },
        Subscriptions,
      ],
      exports: [Subscriptions],
      global: true,
    };
  }
}
