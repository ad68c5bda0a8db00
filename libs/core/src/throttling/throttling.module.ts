import { DynamicModule, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { REDIS } from '../redis/redis.module';
import { RedisClient } from '../redis/lua-script';
import { RedisThrottlerStorage } from './redis-throttler.storage';

const MINUTE_MS = 60_000;

@Module({})
export class ThrottlingModule {
  /** Per-user limit per minute (0 disables); counters in Redis when there is one, else in memory. */
  static forRoot({ perMinute, redis }: { perMinute: number; redis: boolean }): DynamicModule {
    return {
      module: ThrottlingModule,
      imports: [
        ThrottlerModule.forRootAsync({
          inject: redis ? [REDIS] : [],
          useFactory: (client?: RedisClient) => ({
            throttlers: [{ limit: Math.max(perMinute, 1), ttl: MINUTE_MS }],
            skipIf: () => perMinute === 0,
            storage: client ? new RedisThrottlerStorage(client) : undefined,
          }),
        }),
      ],
      exports: [ThrottlerModule],
    };
  }
}
