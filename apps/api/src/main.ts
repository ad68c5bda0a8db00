import { Logger } from '@nestjs/common';
import { closeOnSignals, createPino, flushLogs, loadConfig, PinoLoggerService, redisConfigured, StartupError } from '@maas/core';
import { createApp } from './create-app';
import { seedDemo } from './demo';
import { prepareRuntime } from './runtime';

async function main(): Promise<void> {
  const config = loadConfig();
  const pino = createPino(config.logLevel);
  Logger.overrideLogger(new PinoLoggerService(pino));
  const { runtime, stopDatabase } = await prepareRuntime(config);
  const app = await createApp(runtime, pino);
  closeOnSignals(app, runtime.shutdownGraceMs, async () => {
    await stopDatabase();
    flushLogs(pino);
  });
  await app.listen(runtime.port, runtime.host);
  const shown = runtime.host === '0.0.0.0' || runtime.host === '::' ? 'localhost' : runtime.host;
  const baseUrl = `http://${shown}:${runtime.port}`;
  new Logger('Bootstrap').log(
    `MaaS listening on ${baseUrl} (ledger: ${redisConfigured(runtime) ? 'Redis' : 'PostgreSQL'}, env: ${runtime.env})`,
  );
  await seedDemo(app, runtime, baseUrl);
}

main().catch((error: unknown) => {
  // Start-up failed, perhaps before logging existed: one plain, readable line is what helps here.
  const reason = error instanceof StartupError ? error.message : ((error as Error).stack ?? String(error));
  process.stderr.write(`MaaS failed to start: ${reason}\n`);
  process.exit(1);
});
