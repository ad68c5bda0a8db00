import { Redis, RedisOptions } from 'ioredis';
import { Client } from 'pg';
import { defaultKeyPrefix } from '../../libs/core/src/redis/redis-namespace';

/** The key prefix an app on this database uses by default (REDIS_KEY_PREFIX unset). */
export async function deploymentKeyPrefix(databaseUrl = process.env.DATABASE_URL as string): Promise<string> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ id: string }>('SELECT id FROM deployment');
    return defaultKeyPrefix(rows[0].id);
  } finally {
    await db.end();
  }
}

/** A client that sees the keys as the apps on this database name them. */
export async function deploymentRedis(redisUrl = process.env.REDIS_URL as string, options: RedisOptions = {}, databaseUrl?: string): Promise<Redis> {
  return new Redis(redisUrl, { ...options, keyPrefix: await deploymentKeyPrefix(databaseUrl) });
}
