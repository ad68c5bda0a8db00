import { FfmpegError } from './ffmpeg';
import { renderImage } from './image-renderer';
import { probeMedia } from './probe';

const CAPTION = { template: 'keep-calm', top: 'Keep calm', bottom: 'and probe on' };

describe('probeMedia', () => {
  it('describes a PNG: codec, size and no duration', async () => {
    const image = await renderImage(CAPTION, { width: 800, height: 600 });
    expect(await probeMedia(image.data)).toEqual({
      container: 'png_pipe',
      videoCodec: 'png',
      pixelFormat: 'rgba',
      width: 800,
      height: 600,
      durationMs: undefined,
      fps: undefined,
    });
  });

  it('describes a WebP', async () => {
    const image = await renderImage(CAPTION, { format: 'webp' });
    expect(await probeMedia(image.data)).toMatchObject({ container: 'webp_pipe', videoCodec: 'webp', width: 1024, height: 768 });
  });

  it('rejects what is not media, quoting ffmpeg', async () => {
    const error = await probeMedia(Buffer.from('<html>not a meme</html>')).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(FfmpegError);
    expect((error as FfmpegError).message).toContain('Invalid data found when processing input');
  });

  it('rejects a missing file', async () => {
    await expect(probeMedia('/nonexistent/meme.png')).rejects.toThrow(/No such file or directory/);
  });
});
