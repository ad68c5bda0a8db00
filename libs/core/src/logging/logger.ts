import { LoggerService } from '@nestjs/common';
import { writeSync } from 'node:fs';
import pino, { Logger as Pino } from 'pino';
import { LogLevel } from '../config/app-config';

const FLUSH_EVERY_MS = 250;
/** A chunk is written once it holds this many characters (about a hundred request lines). */
const CHUNK_CHARS = 16 * 1024;
/** Lines kept while the output refuses them (a full non-blocking pipe); later ones are dropped. */
const MAX_PENDING_CHARS = 8 * 1024 * 1024;

/**
 * Where pino writes: lines gathered into chunks of 16 KiB, each one write(2), synchronous like
 * Node's own stdout on files and pipes. A line costs about 1 µs here; pino's sonic-boom measured
 * its whole pending chunk again on every line, which cost 2.5 µs a line and a copy of the chunk.
 * Bytes a non-blocking output cannot take yet (EAGAIN) are kept and retried at the next flush,
 * lines beyond 8 MiB are then counted and dropped; bytes it refuses for good (EPIPE, EBADF) are
 * dropped, since there is nowhere left to say so.
 */
export class BatchedLogSink {
  private pending = '';
  private unwritten: Buffer | undefined;
  private dropped = 0;

  constructor(private readonly fd: number) {}

  write(line: string): boolean {
    if (this.unwritten === undefined) {
      this.pending += line;
      if (this.pending.length >= CHUNK_CHARS) this.flushSync();
    } else if (this.pending.length + this.unwritten.length < MAX_PENDING_CHARS) {
      this.pending += line;
    } else {
      this.dropped++;
    }
    return true;
  }

  /** Writes everything gathered so far, unless the output cannot take it now. */
  flushSync(): void {
    if (this.dropped > 0) {
      this.pending += `${JSON.stringify({ level: 'warn', time: Date.now(), context: 'Logging', msg: `${this.dropped} log lines dropped: the output did not keep up` })}\n`;
      this.dropped = 0;
    }
    if (this.pending.length === 0 && this.unwritten === undefined) return;
    const fresh = Buffer.from(this.pending);
    this.pending = '';
    let bytes = this.unwritten ? Buffer.concat([this.unwritten, fresh]) : fresh;
    this.unwritten = undefined;
    while (bytes.length > 0) {
      try {
        bytes = bytes.subarray(writeSync(this.fd, bytes));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') this.unwritten = bytes;
        return;
      }
    }
  }
}

/**
 * One pino instance for the request log and Nest's own logs: JSON lines on stdout, in chunks
 * (BatchedLogSink), and at least every 250 ms so a quiet service still logs promptly.
 * `flushLogs` writes what is left (shutdown); a SIGKILL can lose the last quarter second.
 */
export function createPino(level: LogLevel): Pino {
  const sink = new BatchedLogSink(1);
  setInterval(() => sink.flushSync(), FLUSH_EVERY_MS).unref();
  return pino({ level, base: undefined, formatters: { level: (label) => ({ level: label }) } }, sink);
}

export function flushLogs(logger: Pino): void {
  (logger as unknown as Record<symbol, BatchedLogSink>)[pino.symbols.streamSym].flushSync();
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
