import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { Cluster, Redis, RedisOptions } from 'ioredis';
import { RedisClient } from './lua-script';

export const REDIS = Symbol('REDIS');
export const InjectRedis = (): ParameterDecorator => Inject(REDIS);

export interface RedisSettings {
  readonly redisUrl?: string;
  /** Set: a Redis Cluster, reached through these seed nodes (host:port). */
  readonly redisClusterNodes?: readonly string[];
  readonly redisCommandTimeoutMs: number;
}

/** Whether these settings name a Redis at all (standalone or cluster). */
export function redisConfigured(settings: Omit<RedisSettings, 'redisCommandTimeoutMs'>): boolean {
  return settings.redisUrl !== undefined || settings.redisClusterNodes !== undefined;
}

/**
 * Fail fast rather than hang (ioredis defaults wait forever and queue commands while
 * disconnected, then re-send them after reconnecting, which could apply a charge twice):
 * a command times out, nothing is queued while offline, one retry at most.
 */
export function createRedis(settings: RedisSettings): RedisClient {
  const options: RedisOptions = {
    commandTimeout: settings.redisCommandTimeoutMs,
    connectTimeout: 2000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
    enableAutoPipelining: true,
    lazyConnect: true,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  };
  if (settings.redisClusterNodes) {
    const nodes = settings.redisClusterNodes.map((node) => {
      const [host, port] = node.split(':');
      return { host, port: Number(port) };
    });
    // The cluster client queues commands until it knows the slots, then fails fast like the rest.
    return new Cluster(nodes, { redisOptions: options, enableAutoPipelining: true, lazyConnect: true, enableOfflineQueue: true });
  }
  return new Redis(settings.redisUrl as string, options);
}

/** Resolves once the client is ready; boot fails with a clear message when Redis cannot be reached. */
export async function connectRedis(redis: RedisClient, settings: RedisSettings): Promise<RedisClient> {
  try {
    await redis.connect();
    return redis;
  } catch (error) {
    redis.disconnect();
    const where = settings.redisClusterNodes ? `the Redis Cluster at ${settings.redisClusterNodes.join(', ')}` : redactUrl(settings.redisUrl ?? '');
    throw new Error(`Cannot reach ${where}: ${(error as Error).message}`);
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

/** Present only when REDIS_URL or REDIS_CLUSTER_NODES is set: modules that can use Redis check for it. */
@Global()
@Module({})
export class RedisModule {
  static forRoot(settings: RedisSettings): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        { provide: REDIS, useFactory: () => connectRedis(createRedis(settings), settings) },
        RedisLifecycle,
      ],
      exports: [REDIS],
    };
  }
}
