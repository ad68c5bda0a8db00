/** Stops what global-setup started: the embedded PostgreSQL and the Redis Cluster, if any. */
export default async function globalTeardown(): Promise<void> {
  const started = globalThis as { stopEmbeddedPostgres?: () => Promise<void>; stopRedisCluster?: () => Promise<void> };
  await Promise.all([started.stopEmbeddedPostgres?.(), started.stopRedisCluster?.()]);
}
