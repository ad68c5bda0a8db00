import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { closeOnSignals, ConfigError, createPino, flushLogs, loadConfig, PinoLoggerService, StartupError } from '@maas/core';
import { WorkerModule } from './worker.module';

/**
 * The worker as its own process (production: run the API with WORKER_IN_PROCESS=false and as
 * many workers as the usage streams need; they share the work through a Redis consumer group).
 * Serves /health/live, /health/ready and /metrics on PORT.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const pino = createPino(config.logLevel);
  Logger.overrideLogger(new PinoLoggerService(pino));
  if (!config.databaseUrl) throw new ConfigError(['The worker needs DATABASE_URL']);
  // The worker authenticates no one: it never reads the secret.
  const runtime = { ...config, databaseUrl: config.databaseUrl, jwtSecret: '' };
  const app = await NestFactory.create<NestFastifyApplication>(WorkerModule.forRoot(runtime), new FastifyAdapter(), {
    logger: new PinoLoggerService(pino),
    abortOnError: false,
  });
  closeOnSignals(app, 0, () => flushLogs(pino));
  await app.listen(runtime.port, runtime.host);
  new Logger('Worker').log(`MaaS worker running; health and metrics on port ${runtime.port}`);
}

main().catch((error: unknown) => {
  const reason = error instanceof StartupError ? error.message : ((error as Error).stack ?? String(error));
  process.stderr.write(`MaaS worker failed to start: ${reason}\n`);
  process.exit(1);
});
