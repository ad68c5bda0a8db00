import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FfmpegError, FfmpegRunOptions, runFfmpeg, withTempDir } from './ffmpeg';

export interface MediaProbe {
  /** ffmpeg's demuxer name, e.g. 'mov,mp4,m4a,3gp,3g2,mj2' for MP4, 'png_pipe' for PNG. */
  readonly container: string;
  /** Codec of the first video stream, e.g. 'h264', 'png', 'webp'. */
  readonly videoCodec: string;
  /** e.g. 'yuv420p', 'rgba'. */
  readonly pixelFormat: string;
  readonly width: number;
  readonly height: number;
  /** Undefined for a still image, whose duration ffmpeg reports as N/A. */
  readonly durationMs?: number;
  /** Frames per second when ffmpeg states one. */
  readonly fps?: number;
}

/**
 * What ffmpeg sees in a media file or buffer. ffprobe is not shipped, so this reads the input
 * summary ffmpeg prints to stderr, while copying every packet to the null muxer: the command
 * exits 0 only for an input it can demux to the end, and a truncated or foreign file rejects.
 */
export async function probeMedia(input: string | Buffer, options: FfmpegRunOptions = {}): Promise<MediaProbe> {
  if (typeof input === 'string') return probeFile(input, options);
  return withTempDir(async (dir) => {
    const file = join(dir, 'input');
    await writeFile(file, input);
    return probeFile(file, options);
  });
}

async function probeFile(file: string, options: FfmpegRunOptions): Promise<MediaProbe> {
  const stderr = await runFfmpeg(['-hide_banner', '-nostdin', '-nostats', '-i', file, '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-'], options);
  // Only the input summary: the output summary that follows repeats the stream with other numbers.
  const summary = stderr.slice(stderr.indexOf('Input #0'), stderr.indexOf('Output #0'));
  const container = /^Input #0, (.+?), from /m.exec(summary)?.[1];
  const duration = /Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(summary);
  const stream = /Stream #0:\d+.*?: Video: (.*)$/m.exec(summary)?.[1];
  if (!container || !stream) throw new FfmpegError('ffmpeg printed no video stream summary', stderr);

  const fields = topLevelFields(stream);
  const size = fields.map((field) => /^(\d+)x(\d+)/.exec(field)).find(Boolean);
  const fps = fields.map((field) => /^([\d.]+) fps$/.exec(field)).find(Boolean);
  if (!size) throw new FfmpegError('ffmpeg printed no frame size', stderr);
  return {
    container,
    videoCodec: fields[0].split(' ')[0],
    pixelFormat: (fields[1] ?? '').split('(')[0],
    width: Number(size[1]),
    height: Number(size[2]),
    durationMs: duration ? Math.round((Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3])) * 1000) : undefined,
    fps: fps ? Number(fps[1]) : undefined,
  };
}

/** Splits "h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709), 640x480 [SAR 1:1], 24 fps" at commas outside brackets. */
function topLevelFields(stream: string): string[] {
  const fields: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of stream) {
    if (char === '(' || char === '[') depth++;
    if (char === ')' || char === ']') depth--;
    if (char === ',' && depth === 0) {
      fields.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  fields.push(current.trim());
  return fields;
}
