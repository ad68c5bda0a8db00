import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
// Relative: globalSetup runs outside Jest's module mapper.
import { migrate } from '../../libs/core/src/database/migrate';
import { startEmbeddedPostgres } from '../../libs/core/src/database/embedded-postgres';
import { freePort } from './ports';
import { startRedisCluster } from './redis-cluster';

/**
 * Real PostgreSQL and real Redis for every test run:
 * - DATABASE_URL set: that server is used; unset: an embedded PostgreSQL is started in a temp dir.
 * - REDIS_URL set, or a Redis on 127.0.0.1:6379: used, and a 3-master Redis Cluster is started
 *   from redis-server processes. None: Redis suites are skipped with the reason printed, except
 *   with CI=true, where a missing Redis or PostgreSQL fails the run.
 * The outcome reaches the test workers through environment variables.
 */
export default async function globalSetup(): Promise<void> {
  const ci = process.env.CI === 'true';
  if (!process.env.DATABASE_URL) {
    if (ci) throw new Error('CI=true but DATABASE_URL is not set: CI must test against a real PostgreSQL server');
    const dir = mkdtempSync(join(tmpdir(), 'maas-test-'));
    const postgres = await startEmbeddedPostgres(dir, await freePort());
    process.env.DATABASE_URL = postgres.url;
    // globalSetup and globalTeardown share this process and its globals.
    (globalThis as { stopEmbeddedPostgres?: () => Promise<void> }).stopEmbeddedPostgres = async () => {
      await postgres.stop();
      for (const path of [postgres.dataDirectory, dir]) rmSync(path, { recursive: true, force: true });
    };
    process.stdout.write(`\n[maas tests] DATABASE_URL unset: using an embedded PostgreSQL in ${dir}\n`);
  }
  await migrate(settings(process.env.DATABASE_URL));

  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const problem = await redisProblem(redisUrl);
  if (problem && ci) throw new Error(`CI=true but Redis at ${redisUrl} is unreachable (${problem}): CI must test the Redis ledger`);
  if (problem) {
    process.env.MAAS_TEST_REDIS_SKIP = `no Redis at ${redisUrl} (${problem}); set REDIS_URL or start redis-server to run them`;
    process.stdout.write(`\n[maas tests] SKIPPING Redis suites: ${process.env.MAAS_TEST_REDIS_SKIP}\n`);
  } else {
    process.env.REDIS_URL = redisUrl;
    // The same machine runs redis-server: a real Redis Cluster for the cluster suites too.
    const cluster = await startRedisCluster([await clusterPort(), await clusterPort(), await clusterPort()]);
    process.env.MAAS_TEST_REDIS_CLUSTER_NODES = cluster.nodes.join(',');
    (globalThis as { stopRedisCluster?: () => Promise<void> }).stopRedisCluster = cluster.stop;
  }
}

function settings(databaseUrl: string) {
  return { databaseUrl, databasePoolSize: 4, databaseConnectTimeoutMs: 5000, databaseStatementTimeoutMs: 10_000 };
}

async function redisProblem(url: string): Promise<string | undefined> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    redis.disconnect();
  }
}

/** A free port whose cluster bus port (+10000) is free too, so both stay below 65536. */
async function clusterPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    try {
      await freePort(port);
      await freePort(port + 10_000);
      return port;
    } catch {
      // taken: draw again
    }
  }
}
