import { createCanvas } from '@napi-rs/canvas';
import { drawCaption, placeCaptions } from './caption-layout';
import { MemeCaption, RenderedMedia } from './media.types';
import { drawTemplate } from './templates';

export interface ImageRenderOptions {
  /** Pixels, 64 to 4096; default 1024. */
  readonly width?: number;
  /** Pixels, 64 to 4096; default 768. */
  readonly height?: number;
  /** Default 'png'. WebP is lossy and about half the size. */
  readonly format?: 'png' | 'webp';
}

const MIN_SIDE = 64;
const MAX_SIDE = 4096;
/** Text edges stay crisp at 90; below that the black outline starts to ring. */
const WEBP_QUALITY = 90;

/**
 * A meme picture: the template's scene with the top and bottom captions in uppercase Anton,
 * white with a black outline. The same caption gives the same bytes. Drawing takes a few
 * milliseconds on the calling thread; encoding, the costly part, runs on libuv's thread pool.
 */
export async function renderImage(caption: MemeCaption, options: ImageRenderOptions = {}): Promise<RenderedMedia> {
  const { width = 1024, height = 768, format = 'png' } = options;
  checkSide('width', width);
  checkSide('height', height);
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  drawTemplate(ctx, caption, width, height);
  for (const { layout, y } of placeCaptions(caption, width, height)) drawCaption(ctx, layout, width / 2, y);
  const data = format === 'webp' ? await canvas.encode('webp', WEBP_QUALITY) : await canvas.encode('png');
  return { data, contentType: format === 'webp' ? 'image/webp' : 'image/png', width, height };
}

function checkSide(name: string, value: number): void {
  if (!Number.isInteger(value) || value < MIN_SIDE || value > MAX_SIDE) {
    throw new RangeError(`${name} must be a whole number of pixels from ${MIN_SIDE} to ${MAX_SIDE}, got ${value}`);
  }
}
