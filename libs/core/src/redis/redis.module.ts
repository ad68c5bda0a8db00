import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisClient } from './lua-script';

export const REDIS = Symbol('REDIS');
export const InjectRedis = (): ParameterDecorator => Inject(REDIS);

export interface RedisSettings {
  readonly redisUrl: string;
  readonly redisCommandTimeoutMs: number;
}

/**
 * Fail fast rather than hang (ioredis defaults wait forever and queue commands while
 * disconnected, then re-send them after reconnecting, which could apply a charge twice):
 * a command times out, nothing is queued while offline, one retry at most.
 */
export function createRedis(settings: RedisSettings): Redis {
  return new Redis(settings.redisUrl, {
    commandTimeout: settings.redisCommandTimeoutMs,
    connectTimeout: 2000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
    enableAutoPipelining: true,
    lazyConnect: true,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  });
}

/** Resolves once the client is ready; boot fails with a clear message when Redis cannot be reached. */
export async function connectRedis(redis: Redis, url: string): Promise<Redis> {
  try {
    await redis.connect();
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new Error(`Cannot reach Redis at ${redactUrl(url)}: ${(error as Error).message}`);
  }
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

class RedisLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');

  constructor(@Inject(REDIS) private readonly redis: RedisClient) {
    redis.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** Present only when REDIS_URL is set: modules that can use Redis check for it. */
@Global()
@Module({})
export class RedisModule {
  static forRoot(settings: RedisSettings): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        { provide: REDIS, useFactory: () => connectRedis(createRedis(settings), settings.redisUrl) },
        RedisLifecycle,
      ],
      exports: [REDIS],
    };
  }
}
