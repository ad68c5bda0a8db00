import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { FfmpegError, runFfmpeg } from './ffmpeg';
import { MemeCaption } from './media.types';
import { probeMedia } from './probe';
import { renderVideo } from './video-renderer';

const CAPTION: MemeCaption = { template: 'one-does-not-simply', top: 'One does not simply', bottom: 'deploy on Friday in Paris, France' };

describe('renderVideo', () => {
  let scratch: string;
  let renderTmp: string;

  beforeEach(() => {
    // The renderer's temp files go to a private dir, so each test can check none are left behind.
    scratch = mkdtempSync(join(os.tmpdir(), 'maas-video-spec-'));
    renderTmp = join(scratch, 'tmp');
    mkdirSync(renderTmp);
    jest.spyOn(os, 'tmpdir').mockReturnValue(renderTmp);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(scratch, { recursive: true, force: true });
  });

  const leftovers = () => readdirSync(renderTmp);

  it('makes a 3 s, 24 fps, 640x480 H.264 MP4 that decodes cleanly', async () => {
    const video = await renderVideo(CAPTION);
    expect(video).toMatchObject({ contentType: 'video/mp4', width: 640, height: 480, durationMs: 3000 });
    expect(video.data.toString('latin1', 4, 8)).toBe('ftyp');

    const probe = await probeMedia(video.data);
    expect(probe).toMatchObject({ videoCodec: 'h264', pixelFormat: 'yuv420p', width: 640, height: 480, fps: 24 });
    expect(probe.container).toContain('mp4');
    expect(probe.durationMs).toBeGreaterThan(2900);
    expect(probe.durationMs).toBeLessThan(3100);

    const file = join(scratch, 'meme.mp4');
    writeFileSync(file, video.data);
    await expect(runFfmpeg(['-v', 'error', '-nostdin', '-i', file, '-f', 'null', '-'])).resolves.toBe('');
    expect(os.tmpdir).toHaveBeenCalled();
    expect(leftovers()).toEqual([]);
  });

  it('puts the index before the media data (+faststart) for progressive playback', async () => {
    const video = await renderVideo(CAPTION, { width: 320, height: 240, durationMs: 1000 });
    const moov = video.data.indexOf('moov', 0, 'latin1');
    const mdat = video.data.indexOf('mdat', 0, 'latin1');
    expect(moov).toBeGreaterThan(0);
    expect(moov).toBeLessThan(mdat);
  });

  it('honours the requested size, length and frame rate', async () => {
    const video = await renderVideo(CAPTION, { width: 320, height: 240, durationMs: 1500, fps: 12 });
    expect(video).toMatchObject({ width: 320, height: 240, durationMs: 1500 });
    const probe = await probeMedia(video.data);
    expect(probe).toMatchObject({ videoCodec: 'h264', width: 320, height: 240, fps: 12 });
    expect(probe.durationMs).toBeGreaterThan(1400);
    expect(probe.durationMs).toBeLessThan(1600);
  });

  it.each([
    ['a 200-character word and emoji', { template: 'success-kid', top: 'Went to 東京', bottom: `Found ${'W'.repeat(200)} 😀🎉` }],
    ['an empty bottom', { template: 'keep-calm', top: 'Keep calm', bottom: '' }],
    ['no text and an unknown template', { template: 'no-such-template', top: '', bottom: '' }],
  ])('renders a caption with %s', async (_name, caption) => {
    const video = await renderVideo(caption, { width: 320, height: 240, durationMs: 1000 });
    const probe = await probeMedia(video.data);
    expect(probe).toMatchObject({ videoCodec: 'h264', width: 320, height: 240 });
  });

  it('kills ffmpeg on timeout, rejects and cleans up', async () => {
    const error = await renderVideo(CAPTION, { timeoutMs: 1 }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(FfmpegError);
    expect((error as FfmpegError).exitSignal).toBe('SIGKILL');
    expect((error as FfmpegError).message).toMatch(/timed out after 1 ms/);
    expect(os.tmpdir).toHaveBeenCalled();
    expect(leftovers()).toEqual([]);
  });

  it('rejects with the reason when aborted before it starts', async () => {
    const reason = new Error('client went away');
    await expect(renderVideo(CAPTION, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(leftovers()).toEqual([]);
  });

  it.each([
    [{ width: 641 }],
    [{ height: 62 }],
    [{ durationMs: 100 }],
    [{ fps: 0 }],
  ])('refuses options out of range: %j', async (options) => {
    await expect(renderVideo(CAPTION, options)).rejects.toThrow(RangeError);
  });
});
