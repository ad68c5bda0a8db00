import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';

/** The static ffmpeg build shipped by @ffmpeg-installer (libx264 included), never a system one. */
export const FFMPEG_PATH = ffmpegInstaller.path;

export interface FfmpegRunOptions {
  /** Aborting kills ffmpeg. */
  readonly signal?: AbortSignal;
  /** ffmpeg is killed after this long; default 60 s. */
  readonly timeoutMs?: number;
}

/** ffmpeg's log is kept up to this size (its input summary is parsed by the probe)... */
const STDERR_KEPT_CHARS = 64 * 1024;
/** ...and errors quote its end: enough to show the error and what ffmpeg was doing just before. */
const STDERR_TAIL_CHARS = 2000;
const DEFAULT_TIMEOUT_MS = 60_000;

/** ffmpeg failed, was aborted or ran out of time. The message ends with the tail of its log. */
export class FfmpegError extends Error {
  /** The last lines ffmpeg wrote to stderr. */
  readonly stderrTail: string;

  constructor(
    summary: string,
    stderr: string,
    readonly exitCode: number | null = null,
    /** The signal that ended ffmpeg: 'SIGKILL' after an abort or a timeout. */
    readonly exitSignal: NodeJS.Signals | null = null,
  ) {
    const tail = stderr.slice(-STDERR_TAIL_CHARS).trim();
    super(tail ? `${summary}; ffmpeg stderr (tail):\n${tail}` : summary);
    this.name = 'FfmpegError';
    this.stderrTail = tail;
  }
}

/**
 * Runs ffmpeg with `args` in a child process and resolves with its log (the last 64 KB; -nostats
 * keeps it short) when it exits with 0. On abort or timeout ffmpeg gets SIGKILL: it can hang on a
 * broken input, and a polite signal would let it go on writing a file nobody wants. The promise
 * rejects only once the process has ended, so a rejection never leaves ffmpeg running. A signal
 * already aborted rejects with its reason, as fetch does, and starts nothing.
 */
export function runFfmpeg(args: readonly string[], options: FfmpegRunOptions = {}): Promise<string> {
  const { signal, timeoutMs = DEFAULT_TIMEOUT_MS } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const child = spawn(FFMPEG_PATH, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let stopReason: string | undefined;
    let settled = false;
    const stop = (reason: string) => {
      stopReason ??= reason;
      child.kill('SIGKILL');
    };
    const onAbort = () => stop('aborted');
    const timer = setTimeout(() => stop(`timed out after ${timeoutMs} ms`), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (error?: FfmpegError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(stderr);
    };

    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEPT_CHARS);
    });
    child.on('error', (error) => settle(new FfmpegError(`ffmpeg could not run: ${error.message}`, stderr)));
    child.on('close', (code, exitSignal) => {
      if (stopReason) settle(new FfmpegError(`ffmpeg ${stopReason}, ended by ${exitSignal ?? `exit code ${code}`}`, stderr, code, exitSignal));
      else if (code !== 0) settle(new FfmpegError(`ffmpeg failed with ${exitSignal ?? `exit code ${code}`}`, stderr, code, exitSignal));
      else settle();
    });
  });
}

/**
 * Runs `work` with a fresh private temp directory and removes it afterwards, whatever happens.
 * ffmpeg needs real files: an MP4 with its index up front (+faststart) is rewritten in place,
 * and an MP4 input may keep its index at the end, which a pipe cannot seek to.
 */
export async function withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'maas-media-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
