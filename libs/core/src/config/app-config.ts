import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { StartupError } from '../errors/startup-error';

export type NodeEnv = 'development' | 'production' | 'test';

/** What a meme can be. */
export const MEME_FORMATS = ['text', 'image', 'video'] as const;
export type MemeFormat = (typeof MEME_FORMATS)[number];
/** What a caller can ask for: a format, or `random` to let the service pick one. */
export const REQUESTABLE_FORMATS = [...MEME_FORMATS, 'random'] as const;
export type RequestedFormat = (typeof REQUESTABLE_FORMATS)[number];

export type StorageSettings =
  | { readonly driver: 'filesystem' }
  | {
      readonly driver: 's3';
      readonly bucket: string;
      readonly region: string;
      readonly endpoint: string | undefined;
      readonly forcePathStyle: boolean;
      readonly accessKeyId: string | undefined;
      readonly secretAccessKey: string | undefined;
      readonly presignSeconds: number;
    };
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
  /** Set: the start of every Redis key, stream and group of this deployment; unset: derived from the database. */
  readonly redisKeyPrefix: string | undefined;
  /** Unset in development: generated once and kept in `dataDir`. */
  readonly jwtSecret: string | undefined;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  /** Tokens whose `exp` lies further ahead than this are refused: a leaked long-lived token is not forever. */
  readonly jwtMaxLifetimeSeconds: number;
  /** A request whose headers and body have not all arrived after this long is cut (slow clients). */
  readonly requestTimeoutMs: number;
  /** Requests per user per minute; 0 disables rate limiting. */
  readonly rateLimitPerMinute: number;
  /** Unauthenticated requests (and requests answered 401) per client IP per minute, per instance; 0 disables. */
  readonly publicRateLimitPerMinute: number;
  /** Proxies (IPs or CIDRs) whose X-Forwarded-For names the client; empty: the socket's address does. */
  readonly trustedProxies: readonly string[];
  /** How often readiness checks PostgreSQL and Redis in the background. */
  readonly healthCheckIntervalMs: number;
  readonly memeCosts: Readonly<Record<MemeFormat, number>>;
  /** The format of a request that names none. */
  readonly defaultFormat: RequestedFormat;
  /** Formats always made after the sale (answered 202), whatever their speed. */
  readonly asyncFormats: readonly MemeFormat[];
  /** Other formats also go asynchronous while their recent generation time exceeds this. */
  readonly syncGenerationBudgetMs: number;
  /** A format gone asynchronous for being slow is tried synchronously again once its newest measurement is this old. */
  readonly syncGenerationRetrySeconds: number;
  /** Where this API is reached from outside: short links are built on it. */
  readonly publicBaseUrl: string;
  readonly storage: StorageSettings;
  /** Stored memes and their links are deleted after this many days; 0 keeps them forever. */
  readonly objectRetentionDays: number;
  /** Attempts after the first for a failing meme job, spaced by exponential backoff from jobRetryDelaySeconds. */
  readonly jobRetryLimit: number;
  readonly jobRetryDelaySeconds: number;
  /** A job running longer (its worker died or hung) is failed and retried. */
  readonly jobTimeoutSeconds: number;
  /** How often the queue looks for timed-out jobs (and archives finished ones). */
  readonly jobMaintenanceSeconds: number;
  /** Meme jobs one worker process runs at once. */
  readonly jobConcurrency: number;
  /** The PostgreSQL schema of the job queue: deployments sharing a database each use their own. */
  readonly jobQueueSchema: string;
  readonly webhookTimeoutMs: number;
  /** Webhook URLs may point to loopback and private networks (never in production). */
  readonly webhookAllowPrivateNetworks: boolean;
  /** How long a subscription read from PostgreSQL (or its absence) is cached. */
  readonly subscriptionCacheTtlSeconds: number;
  /** The in-process cache's size when Redis is not configured (least recently used evicted first). */
  readonly subscriptionCacheMaxEntries: number;
  /** Premium memes cost the format's tokens times this, rounded up (1: the same). */
  readonly premiumCostMultiplier: number;
  /** Set: premium memes are written by this OpenAI-compatible chat-completions API. */
  readonly ai: {
    readonly baseUrl: string | undefined;
    readonly model: string;
    readonly apiKey: string | undefined;
    readonly timeoutMs: number;
    /** The AI breaker opens at this share of failures (%) over at least volumeThreshold calls... */
    readonly errorThresholdPercent: number;
    readonly volumeThreshold: number;
    /** ...and lets one trial call through after this. */
    readonly resetMs: number;
  };
  /** Set: users who registered an address get an e-mail when a meme is ready. */
  readonly smtpUrl: string | undefined;
  readonly smtpFrom: string;
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

export class ConfigError extends StartupError {
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
  const redisKeyPrefix = read.optionalString('REDIS_KEY_PREFIX');
  if (redisKeyPrefix !== undefined && !/^[A-Za-z0-9:._-]{1,64}$/.test(redisKeyPrefix)) {
    // Braces would change a key's Redis Cluster hash tag, and so its slot.
    problems.push('REDIS_KEY_PREFIX must be 1 to 64 letters, digits or : . _ -');
  }
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must start with postgres:// or postgresql://');
  }

  const smtpUrl = read.optionalString('SMTP_URL');
  if (smtpUrl !== undefined && !/^smtps?:\/\//.test(smtpUrl)) problems.push('SMTP_URL must start with smtp:// or smtps://');
  const port = read.int('PORT', 3000, 0, 65535);
  const publicBaseUrl = read.string('PUBLIC_BASE_URL', `http://localhost:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(publicBaseUrl)) problems.push('PUBLIC_BASE_URL must be an http(s) URL without query or fragment');
  const asyncFormats = read.list('ASYNC_FORMATS', ['video'], MEME_FORMATS);
  const aiBaseUrl = read.optionalString('AI_BASE_URL')?.replace(/\/+$/, '');
  if (aiBaseUrl !== undefined && !/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(aiBaseUrl)) problems.push('AI_BASE_URL must be an http(s) URL');

  const config: AppConfig = {
    env: nodeEnv,
    port,
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
    redisCommandTimeoutMs: read.int('REDIS_COMMAND_TIMEOUT_MS', 500, 1, 60_000),
    redisKeyPrefix,
    jwtSecret,
    jwtIssuer: read.string('JWT_ISSUER', 'maas'),
    jwtAudience: read.string('JWT_AUDIENCE', 'maas-api'),
    jwtMaxLifetimeSeconds: read.int('JWT_MAX_LIFETIME_SECONDS', 30 * 86_400, 60, 366 * 86_400),
    requestTimeoutMs: read.int('REQUEST_TIMEOUT_MS', 5000, 100, 600_000),
    rateLimitPerMinute: read.int('RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000_000),
    publicRateLimitPerMinute: read.int('PUBLIC_RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000_000),
    trustedProxies: trustedProxies(read.optionalString('TRUSTED_PROXIES'), problems),
    healthCheckIntervalMs: read.int('HEALTH_CHECK_INTERVAL_MS', 1000, 100, 60_000),
    memeCosts: {
      text: read.int('MEME_COST_TEXT', 1, 1, 1_000_000),
      image: read.int('MEME_COST_IMAGE', 3, 1, 1_000_000),
      video: read.int('MEME_COST_VIDEO', 10, 1, 1_000_000),
    },
    defaultFormat: read.oneOf('DEFAULT_FORMAT', REQUESTABLE_FORMATS, 'text'),
    asyncFormats,
    syncGenerationBudgetMs: read.int('SYNC_GENERATION_BUDGET_MS', 2000, 1, 600_000),
    syncGenerationRetrySeconds: read.int('SYNC_GENERATION_RETRY_SECONDS', 30, 1, 86_400),
    publicBaseUrl,
    storage: storageSettings(read, problems),
    objectRetentionDays: read.int('OBJECT_RETENTION_DAYS', 0, 0, 36_500),
    jobRetryLimit: read.int('JOB_RETRY_LIMIT', 3, 0, 100),
    jobRetryDelaySeconds: read.int('JOB_RETRY_DELAY_SECONDS', 5, 1, 86_400),
    jobTimeoutSeconds: read.int('JOB_TIMEOUT_SECONDS', 120, 1, 86_400),
    jobMaintenanceSeconds: read.int('JOB_MAINTENANCE_SECONDS', 30, 1, 3600),
    jobConcurrency: read.int('JOB_CONCURRENCY', 1, 1, 64),
    jobQueueSchema: read.matching('JOB_QUEUE_SCHEMA', 'pgboss', /^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier'),
    webhookTimeoutMs: read.int('WEBHOOK_TIMEOUT_MS', 5000, 100, 60_000),
    webhookAllowPrivateNetworks: production ? false : read.bool('WEBHOOK_ALLOW_PRIVATE_NETWORKS', false),
    smtpUrl,
    smtpFrom: read.string('SMTP_FROM', 'MaaS <memes@localhost>'),
    subscriptionCacheTtlSeconds: read.int('SUBSCRIPTION_CACHE_TTL_SECONDS', 60, 1, 86_400),
    subscriptionCacheMaxEntries: read.int('SUBSCRIPTION_CACHE_MAX_ENTRIES', 100_000, 1, 10_000_000),
    premiumCostMultiplier: read.decimal('PREMIUM_COST_MULTIPLIER', 1, 0.01, 1000),
    ai: {
      baseUrl: aiBaseUrl,
      model: read.string('AI_MODEL', 'gpt-4o-mini'),
      apiKey: read.optionalString('AI_API_KEY'),
      timeoutMs: read.int('AI_TIMEOUT_MS', 3000, 1, 120_000),
      errorThresholdPercent: read.int('AI_ERROR_THRESHOLD_PERCENT', 50, 1, 100),
      volumeThreshold: read.int('AI_VOLUME_THRESHOLD', 5, 1, 10_000),
      resetMs: read.int('AI_RESET_MS', 30_000, 100, 3_600_000),
    },
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

/** A comma-separated list of IPv4/IPv6 addresses or CIDR ranges. */
function trustedProxies(raw: string | undefined, problems: string[]): readonly string[] {
  const entries = (raw ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  const bad = entries.filter((entry) => {
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    if (family === 0 || rest.length > 0) return true;
    return prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
  });
  if (bad.length > 0) problems.push(`TRUSTED_PROXIES must list IP addresses or CIDR ranges, got "${bad.join(', ')}"`);
  return entries;
}

function storageSettings(read: EnvReader, problems: string[]): StorageSettings {
  const driver = read.oneOf('STORAGE_DRIVER', ['filesystem', 's3'] as const, 'filesystem');
  if (driver === 'filesystem') return { driver };
  const bucket = read.optionalString('S3_BUCKET');
  if (!bucket) problems.push('S3_BUCKET is required when STORAGE_DRIVER=s3');
  const endpoint = read.optionalString('S3_ENDPOINT');
  if (endpoint !== undefined && !/^https?:\/\//.test(endpoint)) problems.push('S3_ENDPOINT must be an http(s) URL');
  const accessKeyId = read.optionalString('S3_ACCESS_KEY_ID');
  const secretAccessKey = read.optionalString('S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    problems.push('Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither (the AWS default credential chain)');
  }
  return {
    driver,
    bucket: bucket ?? '',
    region: read.string('S3_REGION', 'us-east-1'),
    endpoint,
    forcePathStyle: read.bool('S3_FORCE_PATH_STYLE', endpoint !== undefined),
    accessKeyId,
    secretAccessKey,
    presignSeconds: read.int('S3_PRESIGN_SECONDS', 3600, 1, 604_800),
  };
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

  /** A plain decimal number (no exponent) within [min, max]. */
  decimal(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optionalString(name);
    if (raw === undefined) return fallback;
    const value = /^\d{1,7}(\.\d{1,6})?$/.test(raw) ? Number(raw) : NaN;
    if (!(value >= min && value <= max)) {
      this.problems.push(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  matching(name: string, fallback: string, pattern: RegExp, description: string): string {
    const raw = this.optionalString(name);
    if (raw === undefined) return fallback;
    if (pattern.test(raw)) return raw;
    this.problems.push(`${name} must be ${description}, got "${raw}"`);
    return fallback;
  }

  /** A comma-separated list of allowed values; empty means none. */
  list<const T extends string>(name: string, fallback: readonly T[], allowed: readonly T[]): readonly T[] {
    const raw = this.env[name];
    if (raw === undefined) return fallback;
    const values = raw.split(',').map((value) => value.trim()).filter((value) => value !== '');
    const unknown = values.filter((value) => !(allowed as readonly string[]).includes(value));
    if (unknown.length === 0) return [...new Set(values)] as T[];
    this.problems.push(`${name} must list values from ${allowed.join(', ')}, got "${unknown.join(', ')}"`);
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
