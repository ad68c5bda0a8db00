import { ChildProcessByStdio, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import pino from 'pino';
import { BatchedLogSink, flushLogs } from './logger';

const lines = (count: number, text = 'x'.repeat(90)): string[] =>
  Array.from({ length: count }, (_, i) => `{"n":${i},"msg":"${text}"}\n`);

describe('BatchedLogSink', () => {
  let dir: string;
  let file: string;
  let fd: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'maas-log-'));
    file = join(dir, 'out.log');
    fd = openSync(file, 'w');
  });

  afterEach(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true });
  });

  it('writes whole lines in order, a 16 KiB chunk at a time, and the rest on flush', () => {
    const sink = new BatchedLogSink(fd);
    const all = lines(300); // about 31 KiB
    all.forEach((line) => sink.write(line));
    const written = readFileSync(file, 'utf8');
    expect(written.length).toBeGreaterThanOrEqual(16 * 1024);
    expect(written.length).toBeLessThan(all.join('').length);
    expect(all.join('').startsWith(written)).toBe(true);
    expect(written.endsWith('\n')).toBe(true);

    sink.flushSync();
    expect(readFileSync(file, 'utf8')).toBe(all.join(''));
  });

  it('keeps characters of several bytes whole', () => {
    const sink = new BatchedLogSink(fd);
    const all = lines(400, 'déjà vu 🎉 мем 梗');
    all.forEach((line) => sink.write(line));
    sink.flushSync();
    expect(readFileSync(file, 'utf8')).toBe(all.join(''));
  });

  it('is what pino writes to, and flushLogs empties it', () => {
    const logger = pino({ base: undefined }, new BatchedLogSink(fd));
    logger.info({ user: 'u1' }, 'first');
    logger.warn('second');
    expect(readFileSync(file, 'utf8')).toBe('');
    flushLogs(logger);
    const written = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(written.map(({ msg, user }) => ({ msg, user }))).toEqual([{ msg: 'first', user: 'u1' }, { msg: 'second', user: undefined }]);
  });
});

describe('BatchedLogSink on a non-blocking pipe whose reader stops', () => {
  let reader: ChildProcessByStdio<Writable, Readable, null>;
  let received: Buffer[];
  let pipeFd: number;

  beforeEach(() => {
    reader = spawn('cat', [], { stdio: ['pipe', 'pipe', 'ignore'] });
    received = [];
    reader.stdout.on('data', (chunk: Buffer) => received.push(chunk));
    // libuv opened our end of the pipe non-blocking: a full pipe answers EAGAIN.
    pipeFd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    reader.kill('SIGSTOP');
  });

  afterEach(() => {
    reader.kill('SIGKILL');
  });

  /** Resumes the reader and flushes, as the timer does, until `done` says the output is all there (5 s at most). */
  async function drain(sink: BatchedLogSink, done: (output: string) => boolean): Promise<string> {
    reader.kill('SIGCONT');
    let output = '';
    for (const deadline = Date.now() + 5000; !done(output) && Date.now() < deadline; ) {
      sink.flushSync();
      await new Promise((resolve) => setTimeout(resolve, 10));
      output = Buffer.concat(received).toString('utf8');
    }
    return output;
  }

  it('keeps what the pipe refuses and writes it, in order, once the reader is back', async () => {
    const sink = new BatchedLogSink(pipeFd);
    const all = lines(3000); // about 300 KiB: far more than a pipe holds
    all.forEach((line) => sink.write(line));
    sink.flushSync();
    const expected = all.join('');
    expect(await drain(sink, (output) => output.length >= expected.length)).toBe(expected);
  });

  it('drops lines beyond 8 MiB while blocked, and says how many', async () => {
    const sink = new BatchedLogSink(pipeFd);
    const all = lines(100_000); // about 10 MiB
    all.forEach((line) => sink.write(line));
    sink.flushSync();
    const output = await drain(sink, (text) => text.includes('log lines dropped'));
    const outLines = output.trim().split('\n');
    const warning = JSON.parse(outLines[outLines.length - 1]) as { msg: string; level: string };
    const delivered = outLines.slice(0, -1);
    expect(delivered).toEqual(all.slice(0, delivered.length).map((line) => line.trimEnd()));
    expect(delivered.length).toBeLessThan(all.length);
    expect(warning).toMatchObject({ level: 'warn', msg: `${all.length - delivered.length} log lines dropped: the output did not keep up` });
  });
});
