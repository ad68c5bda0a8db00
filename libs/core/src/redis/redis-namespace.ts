import type { DataSource } from 'typeorm';
import { StartupError } from '../errors/startup-error';
import type { RedisClient } from './lua-script';

/**
 * Every key, stream and consumer group a deployment keeps in Redis starts with its key prefix
 * (ioredis' `keyPrefix`), so deployments sharing one Redis never read each other's balances or
 * drain each other's usage events. The deployment is its database: the `deployment` row, made by
 * the first migration that creates it, names it for good. Without REDIS_KEY_PREFIX the prefix is
 * derived from that id, so two databases never collide; with it, a deployment still claims the
 * prefix under its id and refuses to start on a prefix another deployment holds.
 */
const CLAIM_KEY = 'deployment';

/** The id of the deployment this database belongs to. */
export async function deploymentIdOf(db: DataSource): Promise<string> {
  try {
    const [row] = (await db.query('SELECT id FROM deployment')) as { id: string }[];
    if (row) return row.id;
  } catch (error) {
    if ((error as { code?: string }).code !== '42P01') throw error; // 42P01: no such table
  }
  throw new StartupError('The database has no deployment id yet: start the API first, it applies the migrations');
}

/** `maas:` and 48 bits of the deployment id: `maas:1f0c9e2a4b7d:`. */
export function defaultKeyPrefix(deploymentId: string): string {
  return `maas:${deploymentId.replace(/-/g, '').slice(0, 12)}:`;
}

/**
 * Writes this deployment's id under the prefix unless one is there; refuses to go on when it is
 * another deployment's. `redis` carries the prefix already.
 */
export async function claimNamespace(redis: RedisClient, deploymentId: string, keyPrefix: string, where: string): Promise<void> {
  let holder: string | null = null;
  for (let attempt = 0; holder === null && attempt < 3; attempt++) {
    holder = (await redis.set(CLAIM_KEY, deploymentId, 'NX')) === 'OK' ? deploymentId : await redis.get(CLAIM_KEY);
  }
  if (holder !== deploymentId) {
    throw new StartupError(
      `${where} already holds deployment ${holder}'s data under the key prefix "${keyPrefix}", and this database is deployment ${deploymentId}: ` +
        'give each deployment its own REDIS_KEY_PREFIX (or leave it unset to derive one from the database), or its own Redis',
    );
  }
}
