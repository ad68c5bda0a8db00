import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { Cluster, Redis, RedisOptions } from 'ioredis';
import { DataSource } from 'typeorm';
import { StartupError } from '../errors/startup-error';
import { RedisClient } from './lua-script';
import { claimNamespace, defaultKeyPrefix, deploymentIdOf } from './redis-namespace';

export const REDIS = Symbol('REDIS');
export const InjectRedis = (): ParameterDecorator => Inject(REDIS);

export interface RedisSettings {
  readonly redisUrl?: string;
  /** Set: a Redis Cluster, reached through these seed nodes (host:port). */
  readonly redisClusterNodes?: readonly string[];
  readonly redisCommandTimeoutMs: number;
  /** Unset: derived from the deployment (see redis-namespace.ts). */
  readonly redisKeyPrefix?: string;
}

/** Whether these settings name a Redis at all (standalone or cluster). */
export function redisConfigured(settings: Pick<RedisSettings, 'redisUrl' | 'redisClusterNodes'>): boolean {
  return settings.redisUrl !== undefined || settings.redisClusterNodes !== undefined;
}

/**
 * Fail fast rather than hang (ioredis defaults wait forever and queue commands while
 * disconnected, then re-send them after reconnecting, which could apply a charge twice):
 * a command times out, nothing is queued while offline, one retry at most.
 */
export function createRedis(settings: RedisSettings, keyPrefix: string): RedisClient {
  const options: RedisOptions = {
    keyPrefix,
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
    // A cluster client follows MOVED redirects to nodes it may still be connecting to, so node
    // clients keep ioredis' default and queue while connecting. The command timeout runs from the
    // moment a command is queued, and a sale reaching Redis after its deadline is refused, so
    // queueing cannot charge late.
    // No auto-pipelining: a MOVED reply inside an automatic pipeline reaches the caller instead of
    // being followed (seen in tests against a freshly made cluster).
    const { enableOfflineQueue: _, enableAutoPipelining: __, ...nodeOptions } = options;
    return new Cluster(nodes, {
      keyPrefix,
      redisOptions: nodeOptions,
      enableAutoPipelining: false,
      lazyConnect: true,
      enableOfflineQueue: true,
    });
  }
  return new Redis(settings.redisUrl as string, options);
}

/** Resolves once the client is ready; boot fails with a clear message when Redis cannot be reached. */
export async function connectRedis(redis: RedisClient, settings: RedisSettings): Promise<RedisClient> {
  try {
    await redis.connect();
    if (redis instanceof Cluster) await connectNodes(redis);
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new StartupError(`Cannot reach ${describeRedis(settings)}: ${(error as Error).message}`);
  }
}

/** The deployment's own client: connected, its key prefix claimed. */
async function deploymentRedis(settings: RedisSettings, db: DataSource): Promise<RedisClient> {
  const deploymentId = await deploymentIdOf(db);
  const keyPrefix = settings.redisKeyPrefix ?? defaultKeyPrefix(deploymentId);
  const redis = await connectRedis(createRedis(settings, keyPrefix), settings);
  try {
    await claimNamespace(redis, deploymentId, keyPrefix, describeRedis(settings));
    return redis;
  } catch (error) {
    redis.disconnect();
    throw error;
  }
}

function describeRedis(settings: RedisSettings): string {
  return settings.redisClusterNodes ? `the Redis Cluster at ${settings.redisClusterNodes.join(', ')}` : redactUrl(settings.redisUrl ?? '');
}

/**
 * The cluster client connects to each node on first use, and a node client queues nothing while
 * it connects: the first commands to every node would fail. Connect them all before serving.
 */
async function connectNodes(cluster: Cluster): Promise<void> {
  const nodes = cluster.nodes('all');
  await Promise.all(nodes.map((node) => (node.status === 'wait' ? node.connect() : undefined)));
  for (let attempt = 0; nodes.some((node) => node.status !== 'ready'); attempt++) {
    if (attempt === 100) throw new Error('Redis Cluster nodes did not all become ready');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function redactUrl(url: string): string {
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
        { provide: REDIS, inject: [DataSource], useFactory: (db: DataSource) => deploymentRedis(settings, db) },
        RedisLifecycle,
      ],
      exports: [REDIS],
    };
  }
}
