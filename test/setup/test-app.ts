import { randomUUID } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ADMIN_ROLE, loadConfig, RuntimeConfig, TokenService } from '@maas/core';
import { createApp } from '../../apps/api/src/create-app';

export type LedgerMode = 'postgres' | 'redis' | 'redis-cluster';

/** Why Redis suites are skipped on this machine, or undefined when Redis is there (always in CI). */
export const redisSkipReason = process.env.MAAS_TEST_REDIS_SKIP;

/** The ledger modes this run can test; a skipped mode is announced, never silent. */
export function ledgerModes({ cluster = false } = {}): LedgerMode[] {
  if (redisSkipReason) {
    process.stdout.write(`[maas tests] Redis mode skipped in this suite: ${redisSkipReason}\n`);
    return ['postgres'];
  }
  return cluster ? ['postgres', 'redis', 'redis-cluster'] : ['postgres', 'redis'];
}

export const TEST_SECRET = 'test-secret-that-is-at-least-32-bytes-long!';

export function testConfig(mode: LedgerMode, env: Record<string, string> = {}): RuntimeConfig {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', // TEST_LOG_LEVEL=warn shows the apps' logs while debugging
    DATABASE_URL: process.env.DATABASE_URL,
    ...(mode === 'redis' ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...(mode === 'redis-cluster' ? { REDIS_CLUSTER_NODES: process.env.MAAS_TEST_REDIS_CLUSTER_NODES } : {}),
    JWT_SECRET: TEST_SECRET,
    RATE_LIMIT_PER_MINUTE: '0',
    DOCS_ENABLED: 'true',
    ...env,
  });
  return { ...config, jwtSecret: TEST_SECRET, databaseUrl: config.databaseUrl as string };
}

/** A running API on an ephemeral port, with helpers to call it as a user or an admin. */
export class TestApi {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly baseUrl: string,
  ) {}

  static async start(config: RuntimeConfig): Promise<TestApi> {
    const app = await createApp(config);
    await app.listen(0, '127.0.0.1');
    return new TestApi(app, await app.getUrl());
  }

  token(userId: string, roles: string[] = []): string {
    return this.app.get(TokenService).issue({ userId, roles }, 600);
  }

  get(path: string, token?: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(this.baseUrl + path, {
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });
  }

  /**
   * Credits tokens through the admin API, as a real purchase would. Each call is a different admin,
   * so tests with a low rate limit never throttle their own set-up (limits are per user and, in
   * Redis, outlive the app).
   */
  async credit(userId: string, amount: number, reference: string = randomUUID()): Promise<Response> {
    return fetch(`${this.baseUrl}/admin/users/${encodeURIComponent(userId)}/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token(uniqueUser('admin'), [ADMIN_ROLE])}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount, reference }),
    });
  }

  async balance(userId: string): Promise<{ purchased: number; used: number; remaining: number }> {
    const response = await this.get('/tokens/balance', this.token(userId));
    if (response.status !== 200) throw new Error(`balance of ${userId}: ${response.status}`);
    return json(response) as Promise<{ purchased: number; used: number; remaining: number }>;
  }

  /**
   * Follows a meme's short link to the stored file. Links are built on PUBLIC_BASE_URL and the
   * test app listens on a random port, so each hop's path is requested from the app itself.
   */
  async follow(link: string): Promise<Response> {
    const redirect = await fetch(this.baseUrl + new URL(link).pathname, { redirect: 'manual' });
    if (redirect.status !== 302) throw new Error(`${link}: ${redirect.status}, not a redirect`);
    return fetch(this.baseUrl + new URL(redirect.headers.get('location') as string).pathname);
  }

  /** Polls GET /memes/{id} until the meme is ready or failed (made after its sale). */
  async settled(userId: string, memeId: string): Promise<Json> {
    let meme: Json = {};
    await waitFor(async () => {
      const response = await this.get(`/memes/${memeId}`, this.token(userId));
      meme = response.status === 200 ? await json(response) : {};
      return meme.status === 'ready' || meme.status === 'failed';
    }, 30_000);
    return meme;
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}

/** A response body, checked by the assertions that read it. */
export type Json = Record<string, any>;

export function json(response: Response): Promise<Json> {
  return response.json() as Promise<Json>;
}

/** A user id no other test uses, so suites never depend on order or on each other. */
export function uniqueUser(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function memePath(query = 'tests pass', lat = '48.8566', lon = '2.3522'): string {
  return `/memes?lat=${lat}&lon=${lon}&query=${encodeURIComponent(query)}`;
}

/** Polls `condition` until it holds; fails the test after `timeoutMs`. */
export async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
