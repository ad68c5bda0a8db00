import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { AppConfig, EmbeddedPostgresError, migrate, RuntimeConfig, startEmbeddedPostgres } from '@maas/core';

/**
 * Everything that must exist before the app starts: a JWT secret, a database, its schema.
 * Outside production the defaults need nothing installed: a secret is generated and kept in
 * DATA_DIR, and without DATABASE_URL an embedded PostgreSQL is started there.
 */
export async function prepareRuntime(
  config: AppConfig,
  logger = new Logger('Bootstrap'),
): Promise<{ runtime: RuntimeConfig; stopDatabase: () => Promise<void> }> {
  ensureDataDir(config.dataDir);
  const jwtSecret = config.jwtSecret ?? developmentSecret(config.dataDir, logger);
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort);
  const runtime = { ...config, jwtSecret, databaseUrl: config.databaseUrl ?? (embedded?.url as string) };
  await migrate(runtime);
  return { runtime, stopDatabase: async () => embedded?.stop() };
}

/** DATA_DIR, created if missing; one line naming the fix when it cannot be. */
function ensureDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw new EmbeddedPostgresError(`Cannot use DATA_DIR ${dataDir} (${(error as Error).message}); point DATA_DIR to a writable directory`);
  }
}

function developmentSecret(dataDir: string, logger: Logger): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  logger.warn(`JWT_SECRET is not set: generated one for development in ${file}`);
  return secret;
}
