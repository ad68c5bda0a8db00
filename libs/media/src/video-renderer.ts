import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { drawCaption, PlacedCaption, placeCaptions } from './caption-layout';
import { runFfmpeg, withTempDir } from './ffmpeg';
import { MemeCaption, RenderedMedia } from './media.types';
import { drawTemplate } from './templates';

export interface VideoRenderOptions {
  /** Pixels, even (H.264 in 4:2:0 needs it), 64 to 1920; default 640. */
  readonly width?: number;
  /** Pixels, even, 64 to 1920; default 480. */
  readonly height?: number;
  /** 500 to 15 000; default 3000. */
  readonly durationMs?: number;
  /** 1 to 60; default 24. */
  readonly fps?: number;
  /** Aborting kills ffmpeg and rejects with an FfmpegError; already aborted, rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** ffmpeg is killed and the render rejected after this long; default 60 000. */
  readonly timeoutMs?: number;
}

/** The background is drawn this much larger than the frame and the frame drifts across it. */
const PAN_MARGIN = 1.2;
/** The top caption slides down from above during the first 20 % of the clip. */
const TOP_ENTRY = 0.2;
/** The bottom caption fades in and rises from 23 % to 43 % of the clip, then both hold. */
const BOTTOM_ENTRY_START = 0.23;
const BOTTOM_ENTRY = 0.2;
/** How far below its place the bottom caption starts, as a share of the frame height. */
const BOTTOM_RISE = 0.08;
/**
 * Quality 23 is x264's default. For these flat, mostly still clips 'veryfast' takes half the CPU
 * of 'medium' for the same size; the faster presets save ~10 % more CPU but make files 1.5-2.7x larger.
 */
const X264_PRESET = 'veryfast';
const X264_CRF = '23';

/**
 * A short meme clip, H.264 in MP4 (yuv420p, index up front for progressive playback, no audio):
 * the background drifts, the top caption slides in, then the bottom caption rises into view.
 *
 * The event loop only draws three still layers with canvas (a few milliseconds; PNG encoding runs
 * on the thread pool); ffmpeg animates them with filter expressions and encodes in its own
 * process. Rendering every frame in Node instead would keep the event loop busy for the whole clip.
 */
export async function renderVideo(caption: MemeCaption, options: VideoRenderOptions = {}): Promise<RenderedMedia> {
  const { width = 640, height = 480, durationMs = 3000, fps = 24, signal, timeoutMs } = options;
  checkWhole('width', width, 64, 1920);
  checkWhole('height', height, 64, 1920);
  if (width % 2 !== 0 || height % 2 !== 0) throw new RangeError(`width and height must be even for H.264 4:2:0, got ${width}x${height}`);
  checkWhole('durationMs', durationMs, 500, 15_000);
  checkWhole('fps', fps, 1, 60);
  signal?.throwIfAborted();

  const frames = Math.round((durationMs / 1000) * fps);
  const seconds = frames / fps;
  return withTempDir(async (dir) => {
    const background = join(dir, 'background.png');
    await writeFile(background, await drawBackground(caption, width, height));
    const captions = placeCaptions(caption, width, height);
    const layers = await Promise.all(
      captions.map(async (placed) => {
        const file = join(dir, `${placed.position}.png`);
        await writeFile(file, await drawCaptionLayer(placed, width));
        return file;
      }),
    );
    const output = join(dir, 'meme.mp4');
    await runFfmpeg(
      [
        ...['-hide_banner', '-nostdin', '-nostats', '-y'],
        ...[background, ...layers].flatMap((file) => ['-i', file]),
        ...['-filter_complex', animation(captions, { width, height, fps, seconds }), '-map', '[video]'],
        ...['-frames:v', String(frames), '-r', String(fps), '-an'],
        ...['-c:v', 'libx264', '-preset', X264_PRESET, '-crf', X264_CRF, '-pix_fmt', 'yuv420p', '-movflags', '+faststart'],
        output,
      ],
      { signal, timeoutMs },
    );
    return { data: await readFile(output), contentType: 'video/mp4', width, height, durationMs: seconds * 1000 };
  });
}

function drawBackground(caption: MemeCaption, width: number, height: number): Promise<Buffer> {
  const canvas = createCanvas(Math.round(width * PAN_MARGIN), Math.round(height * PAN_MARGIN));
  drawTemplate(canvas.getContext('2d'), caption, canvas.width, canvas.height);
  return canvas.encode('png');
}

/** Just the caption's block, on transparency, so ffmpeg can move it. */
function drawCaptionLayer({ layout }: PlacedCaption, width: number): Promise<Buffer> {
  const canvas = createCanvas(width, layout.height);
  drawCaption(canvas.getContext('2d'), layout, width / 2, 0);
  return canvas.encode('png');
}

interface Timing {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly seconds: number;
}

/**
 * The filter graph, ending in `[video]`: input 0 is the oversized background, then one input per
 * caption layer in the order of `captions`. Each still is decoded and converted to YUV once, then
 * repeated by the `loop` filter; looping the input instead decodes and converts the PNG again
 * for every frame, which costs more CPU than encoding the clip. Expressions are evaluated per
 * frame with `t` in seconds; the entries ease out (cubic), so captions arrive quickly and settle.
 */
function animation(captions: readonly PlacedCaption[], { width, height, fps, seconds }: Timing): string {
  const still = (input: number, pixelFormat: string) => `[${input}:v]format=${pixelFormat},loop=loop=-1:size=1,settb=1/${fps},setpts=N`;
  const frame = (layers: number) => (layers === captions.length ? '[video]' : `[frame${layers}]`);
  const progress = `t/${decimal(seconds)}`;
  const steps = [`${still(0, 'yuv420p')},crop=${width}:${height}:x='(iw-ow)*${progress}':y='(ih-oh)*${progress}'${frame(0)}`];
  captions.forEach(({ position, y }, index) => {
    const input = index + 1;
    if (position === 'top') {
      const entry = decimal(TOP_ENTRY * seconds);
      steps.push(`${still(input, 'yuva420p')}[layer${input}]`);
      steps.push(`${frame(index)}[layer${input}]overlay=x=0:y='${y}-(${y}+h)*pow(1-min(t/${entry},1),3)'${frame(input)}`);
    } else {
      const start = decimal(BOTTOM_ENTRY_START * seconds);
      const entry = decimal(BOTTOM_ENTRY * seconds);
      const rise = Math.round(height * BOTTOM_RISE);
      steps.push(`${still(input, 'yuva420p')},fade=t=in:st=${start}:d=${entry}:alpha=1[layer${input}]`);
      steps.push(`${frame(index)}[layer${input}]overlay=x=0:y='${y}+${rise}*pow(1-clip((t-${start})/${entry},0,1),3)'${frame(input)}`);
    }
  });
  return steps.join(';');
}

/** Seconds for a filter expression, to the millisecond: `0.6`, not `0.6000000000000001`. */
function decimal(seconds: number): string {
  return String(Math.round(seconds * 1000) / 1000);
}

function checkWhole(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
}
