import { isAbsolute, resolve } from 'node:path';

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Every setting the service reads, typed and validated once at boot (see `.env.example`). */
export interface AppConfig {
  readonly env: NodeEnv;
  readonly port: number;
  readonly host: string;
  readonly logLevel: LogLevel;
  readonly dataDir: string;
  /** Unset: an embedded PostgreSQL is started under `dataDir` (development only). */
  readonly databaseUrl: string | undefined;
  readonly embeddedPostgresPort: number;
  readonly databasePoolSize: number;
  readonly databaseConnectTimeoutMs: number;
  readonly databaseStatementTimeoutMs: number;
  /** Set: Redis holds the hot balances; unset: PostgreSQL does. */
  readonly redisUrl: string | undefined;
  /** Set: a Redis Cluster through these seed nodes (host:port), instead of REDIS_URL. */
  readonly redisClusterNodes: readonly string[] | undefined;
  readonly redisCommandTimeoutMs: number;
  /** Unset in development: generated once and kept in `dataDir`. */
  readonly jwtSecret: string | undefined;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  /** Requests per user per minute; 0 disables rate limiting. */
  readonly rateLimitPerMinute: number;
  readonly memeCosts: { readonly text: number };
  /** How long the first outcome of a request with an Idempotency-Key is kept and replayed. */
  readonly idempotencyTtlHours: number;
  /** Run the background worker (usage drain, reconciliation) inside the API process. */
  readonly workerInProcess: boolean;
  /** On SIGTERM, how long readiness reports 503 before the server stops accepting connections. */
  readonly shutdownGraceMs: number;
  /** How often the worker compares Redis balances with PostgreSQL (Redis mode). */
  readonly reconcileIntervalSeconds: number;
  readonly docsEnabled: boolean;
  /** Tokens granted to the demo account seeded outside production; 0 seeds nothing. */
  readonly demoTokens: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const MIN_SECRET_BYTES = 32;

/** Reads and validates the environment; throws one ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AppConfig {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);

  const nodeEnv = read.oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const production = nodeEnv === 'production';
  const dataDir = read.string('DATA_DIR', '.data');
  const jwtSecret = read.optionalString('JWT_SECRET');
  const databaseUrl = read.optionalString('DATABASE_URL');

  if (production && !databaseUrl) problems.push('DATABASE_URL is required in production');
  if (production && !jwtSecret) problems.push('JWT_SECRET is required in production');
  if (jwtSecret !== undefined && Buffer.byteLength(jwtSecret) < MIN_SECRET_BYTES) {
    problems.push(`JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  const redisUrl = read.optionalString('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) problems.push('REDIS_URL must start with redis:// or rediss://');
  const redisClusterNodes = read.optionalString('REDIS_CLUSTER_NODES')?.split(',').map((node) => node.trim());
  if (redisClusterNodes && !redisClusterNodes.every((node) => /^[^\s:]+:\d{1,5}$/.test(node))) {
    problems.push('REDIS_CLUSTER_NODES must be a comma-separated list of host:port');
  }
  if (redisClusterNodes && redisUrl) problems.push('Set REDIS_URL or REDIS_CLUSTER_NODES, not both');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must start with postgres:// or postgresql://');
  }

  const config: AppConfig = {
    env: nodeEnv,
    port: read.int('PORT', 3000, 0, 65535),
    host: read.string('HOST', '0.0.0.0'),
    logLevel: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(cwd, dataDir),
    databaseUrl,
    embeddedPostgresPort: read.int('EMBEDDED_POSTGRES_PORT', 54329, 1, 65535),
    databasePoolSize: read.int('DATABASE_POOL_SIZE', 10, 1, 1000),
    databaseConnectTimeoutMs: read.int('DATABASE_CONNECT_TIMEOUT_MS', 2000, 1, 600_000),
    databaseStatementTimeoutMs: read.int('DATABASE_STATEMENT_TIMEOUT_MS', 2000, 1, 600_000),
    redisUrl,
    redisClusterNodes,
    redisCommandTimeoutMs: read.int('REDIS_COMMAND_TIMEOUT_MS', 150, 1, 60_000),
    jwtSecret,
    jwtIssuer: read.string('JWT_ISSUER', 'maas'),
    jwtAudience: read.string('JWT_AUDIENCE', 'maas-api'),
    rateLimitPerMinute: read.int('RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000_000),
    memeCosts: { text: read.int('MEME_COST_TEXT', 1, 1, 1_000_000) },
    idempotencyTtlHours: read.int('IDEMPOTENCY_TTL_HOURS', 24, 1, 24 * 365),
    workerInProcess: read.bool('WORKER_IN_PROCESS', true),
    shutdownGraceMs: read.int('SHUTDOWN_GRACE_MS', production ? 5000 : 0, 0, 600_000),
    reconcileIntervalSeconds: read.int('RECONCILE_INTERVAL_SECONDS', 60, 1, 86_400),
    docsEnabled: read.bool('DOCS_ENABLED', !production),
    demoTokens: production ? 0 : read.int('DEMO_TOKENS', 100, 0, 1_000_000_000),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

class EnvReader {
  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly problems: string[],
  ) {}

  optionalString(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  string(name: string, fallback: string): string {
    return this.optionalString(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optionalString(name);
    if (raw === undefined) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.optionalString(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    this.problems.push(`${name} must be true or false, got "${raw}"`);
    return fallback;
  }

  oneOf<const T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optionalString(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
    return fallback;
  }
}
