import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { FfmpegError, runFfmpeg, withTempDir } from './ffmpeg';

/** An endless synthetic input: this ffmpeg only stops when it is killed. */
const FOREVER = ['-hide_banner', '-nostdin', '-nostats', '-f', 'lavfi', '-i', 'testsrc=size=64x64', '-f', 'null', '-'];

async function failure(run: Promise<unknown>): Promise<FfmpegError> {
  const error = await run.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(FfmpegError);
  return error as FfmpegError;
}

describe('runFfmpeg', () => {
  it('resolves with the log of a run that exits with 0', async () => {
    const log = await runFfmpeg(['-hide_banner', '-nostats', '-f', 'lavfi', '-i', 'testsrc=size=64x64:duration=0.2', '-f', 'null', '-']);
    expect(log).toContain("Input #0, lavfi, from 'testsrc=size=64x64:duration=0.2'");
  });

  it('rejects a non-zero exit with the code and the end of the log', async () => {
    const error = await failure(runFfmpeg(['-hide_banner', '-i', '/nonexistent/meme.mp4', '-f', 'null', '-']));
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(/exit code 1/);
    expect(error.message).toContain('/nonexistent/meme.mp4: No such file or directory');
  });

  it('kills ffmpeg with SIGKILL on timeout and quotes what it was doing', async () => {
    const error = await failure(runFfmpeg(FOREVER, { timeoutMs: 1500 }));
    expect(error.exitSignal).toBe('SIGKILL');
    expect(error.message).toMatch(/timed out after 1500 ms, ended by SIGKILL/);
    expect(error.message).toContain("Input #0, lavfi, from 'testsrc=size=64x64'");
  });

  it('kills ffmpeg with SIGKILL on abort', async () => {
    const controller = new AbortController();
    const run = runFfmpeg(FOREVER, { signal: controller.signal });
    setTimeout(() => controller.abort(), 1500);
    const error = await failure(run);
    expect(error.exitSignal).toBe('SIGKILL');
    expect(error.message).toMatch(/aborted, ended by SIGKILL/);
    expect(error.message).toContain("Input #0, lavfi, from 'testsrc=size=64x64'");
  });

  it('starts nothing when the signal is already aborted', async () => {
    const reason = new Error('caller gave up');
    await expect(runFfmpeg(FOREVER, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });
});

describe('withTempDir', () => {
  let parent: string;

  beforeEach(() => {
    // A private parent: other suites render in parallel and use the shared temp dir.
    parent = mkdtempSync(join(os.tmpdir(), 'maas-media-spec-'));
    jest.spyOn(os, 'tmpdir').mockReturnValue(parent);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(parent, { recursive: true, force: true });
  });

  it('removes the directory after success and after failure', async () => {
    let used = '';
    await withTempDir(async (dir) => {
      used = dir;
      expect(existsSync(dir)).toBe(true);
    });
    await expect(
      withTempDir(async () => {
        throw new Error('render failed');
      }),
    ).rejects.toThrow('render failed');
    expect(used.startsWith(parent)).toBe(true);
    expect(readdirSync(parent)).toEqual([]);
  });
});
