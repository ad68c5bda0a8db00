import { LoggerService } from '@nestjs/common';
import pino, { Logger as Pino } from 'pino';
import { LogLevel } from '../config/app-config';

/**
 * One pino instance for Fastify's request logs and Nest's own logs: JSON lines on stdout.
 * Written asynchronously in 4 KiB batches (one write per batch, not per line, off the request
 * path); pino flushes the batch on a normal exit, a SIGKILL can lose the last one.
 */
export function createPino(level: LogLevel): Pino {
  return pino(
    {
      level,
      base: undefined,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 1, sync: false, minLength: 4096 }),
  );
}

/** Nest's start-up chatter, one line per module and route: kept at debug level. */
const CHATTY_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

/** Nest's LoggerService over pino, so framework and app messages share the format. */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly pino: Pino) {}

  log(message: unknown, context?: string): void {
    if (context !== undefined && CHATTY_CONTEXTS.has(context)) this.pino.debug({ context }, String(message));
    else this.pino.info({ context }, String(message));
  }

  error(message: unknown, trace?: string, context?: string): void {
    this.pino.error({ context, trace }, String(message));
  }

  warn(message: unknown, context?: string): void {
    this.pino.warn({ context }, String(message));
  }

  debug(message: unknown, context?: string): void {
    this.pino.debug({ context }, String(message));
  }

  verbose(message: unknown, context?: string): void {
    this.pino.trace({ context }, String(message));
  }
}
