import { resolve } from 'node:path';
import { AppConfig, ConfigError, loadConfig } from './app-config';

const CWD = '/srv/maas';
const SECRET = 'x'.repeat(32);
const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://maas@db:5432/maas',
  JWT_SECRET: SECRET,
} as const;

/** The problems loadConfig reports, or a failure if it accepts the environment. */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env, CWD);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  describe('with an empty environment', () => {
    it('returns the documented development defaults', () => {
      expect(loadConfig({}, CWD)).toEqual<AppConfig>({
        env: 'development',
        port: 3000,
        host: '0.0.0.0',
        logLevel: 'info',
        dataDir: '/srv/maas/.data',
        databaseUrl: undefined,
        embeddedPostgresPort: 54329,
        databasePoolSize: 10,
        databaseConnectTimeoutMs: 2000,
        databaseStatementTimeoutMs: 2000,
        redisUrl: undefined,
        redisClusterNodes: undefined,
        redisCommandTimeoutMs: 500,
        redisKeyPrefix: undefined,
        jwtSecret: undefined,
        jwtIssuer: 'maas',
        jwtAudience: 'maas-api',
        jwtMaxLifetimeSeconds: 2_592_000,
        requestTimeoutMs: 5000,
        rateLimitPerMinute: 600,
        publicRateLimitPerMinute: 600,
        trustedProxies: [],
        healthCheckIntervalMs: 1000,
        memeCosts: { text: 1, image: 3, video: 10 },
        defaultFormat: 'text',
        asyncFormats: ['video'],
        syncGenerationBudgetMs: 2000,
        syncGenerationRetrySeconds: 30,
        publicBaseUrl: 'http://localhost:3000',
        storage: { driver: 'filesystem' },
        objectRetentionDays: 0,
        jobRetryLimit: 3,
        jobRetryDelaySeconds: 5,
        jobTimeoutSeconds: 120,
        jobMaintenanceSeconds: 30,
        jobConcurrency: 1,
        jobQueueSchema: 'pgboss',
        webhookTimeoutMs: 5000,
        webhookAllowPrivateNetworks: false,
        smtpUrl: undefined,
        smtpFrom: 'MaaS <memes@localhost>',
        subscriptionCacheTtlSeconds: 60,
        subscriptionCacheMaxEntries: 100_000,
        premiumCostMultiplier: 1,
        ai: {
          baseUrl: undefined,
          model: 'gpt-4o-mini',
          apiKey: undefined,
          timeoutMs: 3000,
          errorThresholdPercent: 50,
          volumeThreshold: 5,
          resetMs: 30_000,
        },
        idempotencyTtlHours: 24,
        workerInProcess: true,
        shutdownGraceMs: 0,
        reconcileIntervalSeconds: 60,
        docsEnabled: true,
        demoTokens: 100,
      });
    });

    it('treats blank values as unset', () => {
      expect(loadConfig({ PORT: '', HOST: '   ', JWT_SECRET: ' ', DATABASE_URL: '', DATA_DIR: '  ', DOCS_ENABLED: '' }, CWD)).toEqual(
        loadConfig({}, CWD),
      );
    });

    it('defaults the working directory to process.cwd()', () => {
      expect(loadConfig({}).dataDir).toBe(resolve(process.cwd(), '.data'));
    });
  });

  describe('reads settings', () => {
    it('reads every setting it is given', () => {
      const config = loadConfig(
        {
          NODE_ENV: 'test',
          PORT: '8080',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'debug',
          DATA_DIR: '/var/lib/maas',
          DATABASE_URL: 'postgresql://u:p@h/db',
          EMBEDDED_POSTGRES_PORT: '5433',
          DATABASE_POOL_SIZE: '20',
          DATABASE_CONNECT_TIMEOUT_MS: '3000',
          DATABASE_STATEMENT_TIMEOUT_MS: '4000',
          REDIS_URL: 'rediss://cache:6380',
          REDIS_COMMAND_TIMEOUT_MS: '100',
          REDIS_KEY_PREFIX: 'shop-eu:',
          JWT_SECRET: SECRET,
          JWT_ISSUER: 'issuer',
          JWT_AUDIENCE: 'audience',
          RATE_LIMIT_PER_MINUTE: '60',
          PUBLIC_RATE_LIMIT_PER_MINUTE: '30',
          TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.7,2001:db8::/32',
          HEALTH_CHECK_INTERVAL_MS: '500',
          MEME_COST_TEXT: '5',
          MEME_COST_IMAGE: '6',
          MEME_COST_VIDEO: '70',
          DEFAULT_FORMAT: 'random',
          ASYNC_FORMATS: 'image, video,image',
          SYNC_GENERATION_BUDGET_MS: '250',
          SYNC_GENERATION_RETRY_SECONDS: '5',
          PUBLIC_BASE_URL: 'https://memes.example.com/api/',
          STORAGE_DRIVER: 's3',
          S3_BUCKET: 'memes',
          S3_REGION: 'eu-west-3',
          S3_ENDPOINT: 'http://minio:9000',
          S3_ACCESS_KEY_ID: 'key',
          S3_SECRET_ACCESS_KEY: 'secret',
          S3_PRESIGN_SECONDS: '600',
          OBJECT_RETENTION_DAYS: '30',
          JOB_RETRY_LIMIT: '5',
          JOB_RETRY_DELAY_SECONDS: '2',
          JOB_TIMEOUT_SECONDS: '60',
          JOB_MAINTENANCE_SECONDS: '10',
          JOB_CONCURRENCY: '2',
          JOB_QUEUE_SCHEMA: 'maas_jobs',
          WEBHOOK_TIMEOUT_MS: '3000',
          WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
          SMTP_URL: 'smtp://mail:25',
          SMTP_FROM: 'Memes <m@example.com>',
          SUBSCRIPTION_CACHE_TTL_SECONDS: '30',
          SUBSCRIPTION_CACHE_MAX_ENTRIES: '500',
          PREMIUM_COST_MULTIPLIER: '1.5',
          AI_BASE_URL: 'http://ollama:11434/v1/',
          AI_MODEL: 'llama3.2',
          AI_API_KEY: 'sk-test',
          AI_TIMEOUT_MS: '800',
          AI_ERROR_THRESHOLD_PERCENT: '25',
          AI_VOLUME_THRESHOLD: '3',
          AI_RESET_MS: '1000',
          IDEMPOTENCY_TTL_HOURS: '48',
          WORKER_IN_PROCESS: 'false',
          DOCS_ENABLED: 'false',
          DEMO_TOKENS: '7',
          JWT_MAX_LIFETIME_SECONDS: '86400',
          REQUEST_TIMEOUT_MS: '2500',
        },
        CWD,
      );
      expect(config).toEqual<AppConfig>({
        env: 'test',
        port: 8080,
        host: '127.0.0.1',
        logLevel: 'debug',
        dataDir: '/var/lib/maas',
        databaseUrl: 'postgresql://u:p@h/db',
        embeddedPostgresPort: 5433,
        databasePoolSize: 20,
        databaseConnectTimeoutMs: 3000,
        databaseStatementTimeoutMs: 4000,
        redisUrl: 'rediss://cache:6380',
        redisClusterNodes: undefined,
        redisCommandTimeoutMs: 100,
        redisKeyPrefix: 'shop-eu:',
        jwtSecret: SECRET,
        jwtIssuer: 'issuer',
        jwtAudience: 'audience',
        jwtMaxLifetimeSeconds: 86_400,
        requestTimeoutMs: 2500,
        rateLimitPerMinute: 60,
        publicRateLimitPerMinute: 30,
        trustedProxies: ['10.0.0.0/8', '192.0.2.7', '2001:db8::/32'],
        healthCheckIntervalMs: 500,
        memeCosts: { text: 5, image: 6, video: 70 },
        defaultFormat: 'random',
        asyncFormats: ['image', 'video'],
        syncGenerationBudgetMs: 250,
        syncGenerationRetrySeconds: 5,
        publicBaseUrl: 'https://memes.example.com/api',
        storage: {
          driver: 's3',
          bucket: 'memes',
          region: 'eu-west-3',
          endpoint: 'http://minio:9000',
          forcePathStyle: true,
          accessKeyId: 'key',
          secretAccessKey: 'secret',
          presignSeconds: 600,
        },
        objectRetentionDays: 30,
        jobRetryLimit: 5,
        jobRetryDelaySeconds: 2,
        jobTimeoutSeconds: 60,
        jobMaintenanceSeconds: 10,
        jobConcurrency: 2,
        jobQueueSchema: 'maas_jobs',
        webhookTimeoutMs: 3000,
        webhookAllowPrivateNetworks: true,
        smtpUrl: 'smtp://mail:25',
        smtpFrom: 'Memes <m@example.com>',
        subscriptionCacheTtlSeconds: 30,
        subscriptionCacheMaxEntries: 500,
        premiumCostMultiplier: 1.5,
        ai: {
          baseUrl: 'http://ollama:11434/v1',
          model: 'llama3.2',
          apiKey: 'sk-test',
          timeoutMs: 800,
          errorThresholdPercent: 25,
          volumeThreshold: 3,
          resetMs: 1000,
        },
        idempotencyTtlHours: 48,
        workerInProcess: false,
        shutdownGraceMs: 0,
        reconcileIntervalSeconds: 60,
        docsEnabled: false,
        demoTokens: 7,
      });
    });

    it.each([
      ['.data', '/srv/maas/.data'],
      ['data', '/srv/maas/data'],
      ['./a/../b', '/srv/maas/b'],
      ['../shared', '/srv/shared'],
      ['/abs/dir', '/abs/dir'],
      ['  spaced  ', '/srv/maas/spaced'],
    ])('resolves DATA_DIR %j against the working directory to %j', (DATA_DIR, expected) => {
      expect(loadConfig({ DATA_DIR }, CWD).dataDir).toBe(expected);
    });

    it('trims surrounding whitespace from strings and numbers', () => {
      const config = loadConfig({ PORT: ' 8080 ', JWT_SECRET: `  ${SECRET}\n`, JWT_ISSUER: ' iss ' }, CWD);
      expect([config.port, config.jwtSecret, config.jwtIssuer]).toEqual([8080, SECRET, 'iss']);
    });

    it.each([
      ['RATE_LIMIT_PER_MINUTE', '0', 'rateLimitPerMinute', 0],
      ['RATE_LIMIT_PER_MINUTE', '1000000000', 'rateLimitPerMinute', 1_000_000_000],
      ['PORT', '0', 'port', 0],
      ['PORT', '65535', 'port', 65535],
      ['EMBEDDED_POSTGRES_PORT', '1', 'embeddedPostgresPort', 1],
      ['DATABASE_POOL_SIZE', '1000', 'databasePoolSize', 1000],
      ['DATABASE_CONNECT_TIMEOUT_MS', '600000', 'databaseConnectTimeoutMs', 600_000],
      ['REDIS_COMMAND_TIMEOUT_MS', '60000', 'redisCommandTimeoutMs', 60_000],
      ['DEMO_TOKENS', '0', 'demoTokens', 0],
      ['PORT', '007', 'port', 7],
    ] as const)('accepts %s=%j at the edge of its range', (name, value, key, expected) => {
      expect(loadConfig({ [name]: value }, CWD)[key]).toBe(expected);
    });

    it('accepts MEME_COST_TEXT at both ends of its range', () => {
      expect(loadConfig({ MEME_COST_TEXT: '1' }, CWD).memeCosts.text).toBe(1);
      expect(loadConfig({ MEME_COST_TEXT: '1000000' }, CWD).memeCosts.text).toBe(1_000_000);
    });

    it.each([
      ['true', true],
      ['TRUE', true],
      ['True', true],
      ['1', true],
      ['false', false],
      ['FALSE', false],
      ['0', false],
      [' true ', true],
    ])('reads DOCS_ENABLED=%j as %p', (DOCS_ENABLED, expected) => {
      expect(loadConfig({ DOCS_ENABLED }, CWD).docsEnabled).toBe(expected);
    });

    it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])('accepts LOG_LEVEL=%s', (LOG_LEVEL) => {
      expect(loadConfig({ LOG_LEVEL }, CWD).logLevel).toBe(LOG_LEVEL);
    });

    it.each(['development', 'test'])('accepts NODE_ENV=%s without a database or a secret', (NODE_ENV) => {
      expect(loadConfig({ NODE_ENV }, CWD).env).toBe(NODE_ENV);
    });

    it.each(['redis://localhost:6379', 'rediss://user:pw@host:6380/2'])('accepts REDIS_URL %j', (REDIS_URL) => {
      expect(loadConfig({ REDIS_URL }, CWD).redisUrl).toBe(REDIS_URL);
    });

    it.each(['postgres://h/db', 'postgresql://u@h:5432/db'])('accepts DATABASE_URL %j', (DATABASE_URL) => {
      expect(loadConfig({ DATABASE_URL }, CWD).databaseUrl).toBe(DATABASE_URL);
    });
  });

  describe('in production', () => {
    it('accepts a complete production environment, with no demo tokens and no docs', () => {
      const config = loadConfig({ ...PRODUCTION }, CWD);
      expect(config).toMatchObject({ env: 'production', databaseUrl: PRODUCTION.DATABASE_URL, jwtSecret: SECRET });
      expect(config.demoTokens).toBe(0);
      expect(config.docsEnabled).toBe(false);
    });

    it('forces demoTokens to 0 even when DEMO_TOKENS is set', () => {
      expect(loadConfig({ ...PRODUCTION, DEMO_TOKENS: '500' }, CWD).demoTokens).toBe(0);
    });

    it.each([
      ['true', true],
      ['1', true],
      ['false', false],
    ])('enables docs only on request: DOCS_ENABLED=%j gives %p', (DOCS_ENABLED, expected) => {
      expect(loadConfig({ ...PRODUCTION, DOCS_ENABLED }, CWD).docsEnabled).toBe(expected);
    });

    it('refuses to start without DATABASE_URL', () => {
      expect(problemsOf({ ...PRODUCTION, DATABASE_URL: undefined })).toEqual(['DATABASE_URL is required in production']);
    });

    it('refuses to start without JWT_SECRET', () => {
      expect(problemsOf({ ...PRODUCTION, JWT_SECRET: undefined })).toEqual(['JWT_SECRET is required in production']);
    });

    it('refuses a blank JWT_SECRET as missing', () => {
      expect(problemsOf({ ...PRODUCTION, JWT_SECRET: '    ' })).toEqual(['JWT_SECRET is required in production']);
    });

    it('lists a missing DATABASE_URL and a missing JWT_SECRET in one error', () => {
      expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
        'DATABASE_URL is required in production',
        'JWT_SECRET is required in production',
      ]);
    });

    it('lists a missing DATABASE_URL and a short JWT_SECRET in one error', () => {
      expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toEqual([
        'DATABASE_URL is required in production',
        'JWT_SECRET must be at least 32 bytes',
      ]);
    });
  });

  describe('checks the JWT secret length in bytes', () => {
    it.each([
      ['31 ASCII characters', 'a'.repeat(31), false],
      ['32 ASCII characters', 'a'.repeat(32), true],
      ['15 two-byte characters (30 bytes)', 'é'.repeat(15), false],
      ['16 two-byte characters (32 bytes)', 'é'.repeat(16), true],
      ['8 four-byte emoji (32 bytes, 16 UTF-16 units)', '😀'.repeat(8), true],
      ['31 characters padded with spaces', `   ${'a'.repeat(31)}   `, false],
    ])('with %s the secret is accepted: %p', (_label, JWT_SECRET, ok) => {
      for (const env of [{ JWT_SECRET }, { ...PRODUCTION, JWT_SECRET }]) {
        if (ok) expect(loadConfig(env, CWD).jwtSecret).toBe(JWT_SECRET.trim());
        else expect(problemsOf(env)).toEqual(['JWT_SECRET must be at least 32 bytes']);
      }
    });
  });

  describe('rejects bad values', () => {
    it.each([
      ['PORT', 'abc', 0, 65535],
      ['PORT', '-1', 0, 65535],
      ['PORT', '1.5', 0, 65535],
      ['PORT', '65536', 0, 65535],
      ['PORT', '1e3', 0, 65535],
      ['PORT', '0x50', 0, 65535],
      ['PORT', '+80', 0, 65535],
      ['PORT', '80 81', 0, 65535],
      ['PORT', '８０', 0, 65535],
      ['PORT', 'Infinity', 0, 65535],
      ['EMBEDDED_POSTGRES_PORT', '0', 1, 65535],
      ['DATABASE_POOL_SIZE', '0', 1, 1000],
      ['DATABASE_POOL_SIZE', '1001', 1, 1000],
      ['DATABASE_CONNECT_TIMEOUT_MS', '600001', 1, 600000],
      ['DATABASE_STATEMENT_TIMEOUT_MS', '0', 1, 600000],
      ['REDIS_COMMAND_TIMEOUT_MS', '60001', 1, 60000],
      ['RATE_LIMIT_PER_MINUTE', '-1', 0, 1000000000],
      ['RATE_LIMIT_PER_MINUTE', '1000000001', 0, 1000000000],
      ['RATE_LIMIT_PER_MINUTE', '99999999999999999999', 0, 1000000000],
      ['PUBLIC_RATE_LIMIT_PER_MINUTE', '-1', 0, 1000000000],
      ['HEALTH_CHECK_INTERVAL_MS', '99', 100, 60000],
      ['MEME_COST_TEXT', '0', 1, 1000000],
      ['MEME_COST_VIDEO', '0', 1, 1000000],
      ['JOB_CONCURRENCY', '0', 1, 64],
      ['MEME_COST_TEXT', '1000001', 1, 1000000],
      ['DEMO_TOKENS', '-5', 0, 1000000000],
      ['DEMO_TOKENS', 'lots', 0, 1000000000],
    ])('rejects %s=%j', (name, value, min, max) => {
      expect(problemsOf({ [name]: value })).toEqual([`${name} must be a whole number from ${min} to ${max}, got "${value}"`]);
    });

    it.each(['yes', 'no', 'on', 'off', '2', 'truee', 'enabled'])('rejects DOCS_ENABLED=%j', (DOCS_ENABLED) => {
      expect(problemsOf({ DOCS_ENABLED })).toEqual([`DOCS_ENABLED must be true or false, got "${DOCS_ENABLED}"`]);
    });

    it.each(['localhost', '10.0.0.0/33', '::1/129', '10.0.0.1/8/8', '10.0.0.0/', '300.1.1.1', '10.0.0.0/-1'])('rejects TRUSTED_PROXIES=%j', (entry) => {
      expect(problemsOf({ TRUSTED_PROXIES: `127.0.0.1,${entry}` })).toEqual([`TRUSTED_PROXIES must list IP addresses or CIDR ranges, got "${entry}"`]);
    });

    it.each(['prod', 'Production', 'PRODUCTION', 'staging', 'dev'])('rejects NODE_ENV=%j', (NODE_ENV) => {
      expect(problemsOf({ NODE_ENV })).toEqual([`NODE_ENV must be one of development, production, test, got "${NODE_ENV}"`]);
    });

    it.each(['INFO', 'verbose', 'warning', 'log'])('rejects LOG_LEVEL=%j', (LOG_LEVEL) => {
      expect(problemsOf({ LOG_LEVEL })).toEqual([
        `LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "${LOG_LEVEL}"`,
      ]);
    });

    it.each(['http://localhost:6379', 'localhost:6379', 'redis:/host', 'redis+sentinel://h', ' x redis://h', 'valkey://h'])(
      'rejects REDIS_URL %j',
      (REDIS_URL) => {
        expect(problemsOf({ REDIS_URL })).toEqual(['REDIS_URL must start with redis:// or rediss://']);
      },
    );

    // Braces would move keys to another Redis Cluster slot; spaces and '*' break key patterns.
    it.each(['{m1}:', 'a b', 'maas*', 'x'.repeat(65), 'é:'])('rejects REDIS_KEY_PREFIX %j', (REDIS_KEY_PREFIX) => {
      expect(problemsOf({ REDIS_KEY_PREFIX })).toEqual(['REDIS_KEY_PREFIX must be 1 to 64 letters, digits or : . _ -']);
    });

    it.each(['mysql://h/db', 'postgre://h/db', 'postgresx://h/db', 'http://h/db', 'h:5432/db', 'jdbc:postgresql://h/db'])(
      'rejects DATABASE_URL %j',
      (DATABASE_URL) => {
        expect(problemsOf({ DATABASE_URL })).toEqual(['DATABASE_URL must start with postgres:// or postgresql://']);
      },
    );

    it('rejects a bad DATABASE_URL scheme in production too', () => {
      expect(problemsOf({ ...PRODUCTION, DATABASE_URL: 'mysql://h/db' })).toEqual([
        'DATABASE_URL must start with postgres:// or postgresql://',
      ]);
    });

    it.each([
      [{ DEFAULT_FORMAT: 'gif' }, 'DEFAULT_FORMAT must be one of text, image, video, random, got "gif"'],
      [{ ASYNC_FORMATS: 'video,random' }, 'ASYNC_FORMATS must list values from text, image, video, got "random"'],
      [{ STORAGE_DRIVER: 'ftp' }, 'STORAGE_DRIVER must be one of filesystem, s3, got "ftp"'],
      [{ STORAGE_DRIVER: 's3' }, 'S3_BUCKET is required when STORAGE_DRIVER=s3'],
      [{ STORAGE_DRIVER: 's3', S3_BUCKET: 'b', S3_ENDPOINT: 'minio:9000' }, 'S3_ENDPOINT must be an http(s) URL'],
      [
        { STORAGE_DRIVER: 's3', S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'k' },
        'Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither (the AWS default credential chain)',
      ],
      [{ PUBLIC_BASE_URL: 'memes.example.com' }, 'PUBLIC_BASE_URL must be an http(s) URL without query or fragment'],
      [{ PUBLIC_BASE_URL: 'https://x.example/?a=1' }, 'PUBLIC_BASE_URL must be an http(s) URL without query or fragment'],
      [{ SMTP_URL: 'mail.example.com:25' }, 'SMTP_URL must start with smtp:// or smtps://'],
      [{ AI_BASE_URL: 'ollama:11434' }, 'AI_BASE_URL must be an http(s) URL'],
      [{ PREMIUM_COST_MULTIPLIER: '1e3' }, 'PREMIUM_COST_MULTIPLIER must be a number from 0.01 to 1000, got "1e3"'],
      [{ PREMIUM_COST_MULTIPLIER: '0' }, 'PREMIUM_COST_MULTIPLIER must be a number from 0.01 to 1000, got "0"'],
      [{ JOB_QUEUE_SCHEMA: 'jobs; DROP TABLE accounts' }, 'JOB_QUEUE_SCHEMA must be a lower-case SQL identifier, got "jobs; DROP TABLE accounts"'],
    ])('rejects %j', (env, problem) => {
      expect(problemsOf(env)).toEqual([problem]);
    });

    it('accepts an empty ASYNC_FORMATS (every format synchronous while fast enough)', () => {
      expect(loadConfig({ ASYNC_FORMATS: '' }, CWD).asyncFormats).toEqual([]);
    });

    it('never allows private webhook targets in production', () => {
      expect(loadConfig({ ...PRODUCTION, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }, CWD).webhookAllowPrivateNetworks).toBe(false);
    });

    it('lists every problem in one ConfigError, in a readable message', () => {
      let caught: unknown;
      try {
        loadConfig({ PORT: 'abc', DOCS_ENABLED: 'maybe', LOG_LEVEL: 'loud', REDIS_URL: 'http://x', JWT_SECRET: 'short' }, CWD);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      const error = caught as ConfigError;
      expect(error.name).toBe('ConfigError');
      expect(error.problems).toEqual([
        'JWT_SECRET must be at least 32 bytes',
        'REDIS_URL must start with redis:// or rediss://',
        'PORT must be a whole number from 0 to 65535, got "abc"',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
        'DOCS_ENABLED must be true or false, got "maybe"',
      ]);
      expect(error.message).toBe(`Invalid configuration:\n  - ${error.problems.join('\n  - ')}`);
    });
  });
});
