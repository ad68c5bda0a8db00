import { createCanvas, SKRSContext2D } from '@napi-rs/canvas';
import { memeFont } from './assets';
import { MemeCaption } from './media.types';

/** Where a caption may go: at most this wide and this tall, in pixels. */
export interface CaptionBox {
  readonly width: number;
  readonly height: number;
}

export interface CaptionLayout {
  /** The CSS font the lines were measured with. */
  readonly font: string;
  readonly fontSize: number;
  readonly lines: readonly string[];
  readonly lineAdvance: number;
  readonly strokeWidth: number;
  /** From the block's top edge to the first line's baseline. */
  readonly firstBaseline: number;
  /** The block's height, outline included; never more than the box's height. */
  readonly height: number;
  /** The widest a line may be, outline excluded; no line is wider. */
  readonly lineWidth: number;
}

/** A caption laid out and given its place in a frame of the size it was laid out for. */
export interface PlacedCaption {
  readonly position: 'top' | 'bottom';
  readonly layout: CaptionLayout;
  /** The block's top edge in the frame. */
  readonly y: number;
}

/** Classic meme proportions: each caption box spans 92 % of the width and at most 30 % of the height. */
const BOX_WIDTH = 0.92;
const BOX_HEIGHT = 0.3;
/** Gap between a caption and the frame's top or bottom edge, as a share of the height. */
const EDGE_MARGIN = 0.03;
/** Font size bounds as shares of the box height: 42 % is the classic size for one short line; below 6 % text stops being readable. */
const MAX_FONT_SHARE = 0.42;
const MIN_FONT_SHARE = 0.06;
const MIN_FONT_PX = 8;
/** Anton is tall and all-caps text has few descenders: 1.1 em between baselines reads as one block. */
const LINE_ADVANCE_EM = 1.1;
/** The outline is drawn centred on the glyph edge, so half of it shows: ~0.06 em of black around white. */
const STROKE_EM = 0.12;
const ELLIPSIS = '…';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
let measuringContext: SKRSContext2D | undefined;

/**
 * Both captions of a meme laid out for a `width` × `height` frame. An empty caption has no
 * block; the other stays at its edge.
 */
export function placeCaptions(caption: MemeCaption, width: number, height: number): PlacedCaption[] {
  const box = { width: Math.floor(width * BOX_WIDTH), height: Math.floor(height * BOX_HEIGHT) };
  const margin = Math.round(height * EDGE_MARGIN);
  const placed: PlacedCaption[] = [];
  const top = layoutCaption(caption.top, box);
  if (top.lines.length > 0) placed.push({ position: 'top', layout: top, y: margin });
  const bottom = layoutCaption(caption.bottom, box);
  if (bottom.lines.length > 0) placed.push({ position: 'bottom', layout: bottom, y: height - margin - bottom.height });
  return placed;
}

/**
 * Uppercases `text`, wraps it at spaces and picks the largest font size at which it fits `box`.
 * A word wider than a line is broken between graphemes (never inside an emoji or an accented
 * letter). Text that does not fit even at the smallest size is cut after the last line that fits
 * and ends with an ellipsis, so the block never leaves the box.
 */
export function layoutCaption(text: string, box: CaptionBox): CaptionLayout {
  const ctx = measuring();
  const words = text.toUpperCase().split(/\s+/u).filter(Boolean);
  const largest = Math.max(MIN_FONT_PX, Math.floor(box.height * MAX_FONT_SHARE));
  const smallest = Math.min(largest, Math.max(MIN_FONT_PX, Math.floor(box.height * MIN_FONT_SHARE)));

  const atLargest = layoutAt(ctx, words, box, largest);
  if (atLargest.height <= box.height) return atLargest;
  const atSmallest = layoutAt(ctx, words, box, smallest);
  if (atSmallest.height > box.height) return truncate(ctx, atSmallest, box);

  // Fitting is monotonic in the size for all practical text: binary search the largest that fits.
  let fits = atSmallest;
  let low = smallest;
  let high = largest;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    const candidate = layoutAt(ctx, words, box, middle);
    if (candidate.height <= box.height) {
      fits = candidate;
      low = middle;
    } else {
      high = middle;
    }
  }
  return fits;
}

/** Draws a laid-out caption, white with a black outline, centred on `centerX`, its block starting at `top`. */
export function drawCaption(ctx: SKRSContext2D, layout: CaptionLayout, centerX: number, top: number): void {
  ctx.save();
  ctx.font = layout.font;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'alphabetic';
  ctx.lineJoin = 'round';
  ctx.lineWidth = layout.strokeWidth;
  ctx.strokeStyle = '#000';
  ctx.fillStyle = '#fff';
  layout.lines.forEach((line, index) => {
    const baseline = top + layout.firstBaseline + index * layout.lineAdvance;
    // The width limit is a last guard for a single glyph wider than the box: canvas squeezes it.
    ctx.strokeText(line, centerX, baseline, layout.lineWidth);
    ctx.fillText(line, centerX, baseline, layout.lineWidth);
  });
  ctx.restore();
}

function measuring(): SKRSContext2D {
  measuringContext ??= createCanvas(1, 1).getContext('2d');
  return measuringContext;
}

function layoutAt(ctx: SKRSContext2D, words: readonly string[], box: CaptionBox, fontSize: number): CaptionLayout {
  const font = `${fontSize}px ${memeFont()}`;
  ctx.font = font;
  const strokeWidth = Math.max(1, Math.round(fontSize * STROKE_EM));
  // One extra pixel on each side keeps antialiasing inside the box too.
  const lineWidth = box.width - strokeWidth - 2;
  return measureBlock(ctx, {
    font,
    fontSize,
    strokeWidth,
    lineWidth,
    lineAdvance: Math.round(fontSize * LINE_ADVANCE_EM),
    lines: wrap(ctx, words, lineWidth),
  });
}

type UnmeasuredLayout = Omit<CaptionLayout, 'firstBaseline' | 'height'>;

/** Height from the ink actually drawn: accented capitals reach higher, fallback glyphs lower. */
function measureBlock(ctx: SKRSContext2D, layout: UnmeasuredLayout): CaptionLayout {
  const { lines, lineAdvance, strokeWidth } = layout;
  if (lines.length === 0) return { ...layout, firstBaseline: 0, height: 0 };
  ctx.font = layout.font;
  const padding = strokeWidth / 2 + 1;
  const ascent = ctx.measureText(lines[0]).actualBoundingBoxAscent;
  const descent = Math.max(0, ctx.measureText(lines[lines.length - 1]).actualBoundingBoxDescent);
  const firstBaseline = Math.ceil(padding + ascent);
  const height = Math.ceil(firstBaseline + (lines.length - 1) * lineAdvance + descent + padding);
  return { ...layout, firstBaseline, height };
}

function wrap(ctx: SKRSContext2D, words: readonly string[], maxWidth: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    const joined = line ? `${line} ${word}` : word;
    if (inkWidth(ctx, joined) <= maxWidth) {
      line = joined;
      continue;
    }
    if (line) lines.push(line);
    let rest = word;
    while (inkWidth(ctx, rest) > maxWidth) {
      const parts = Array.from(graphemes.segment(rest), (part) => part.segment);
      const count = longestFittingPrefix(ctx, parts, maxWidth);
      lines.push(parts.slice(0, count).join(''));
      rest = parts.slice(count).join('');
    }
    line = rest;
  }
  if (line) lines.push(line);
  return lines;
}

/** How many of `parts` fit in `maxWidth`; at least one, so breaking always makes progress. */
function longestFittingPrefix(ctx: SKRSContext2D, parts: readonly string[], maxWidth: number): number {
  let fits = 1;
  let tooMany = parts.length;
  while (tooMany - fits > 1) {
    const middle = Math.floor((fits + tooMany) / 2);
    if (inkWidth(ctx, parts.slice(0, middle).join('')) <= maxWidth) fits = middle;
    else tooMany = middle;
  }
  return fits;
}

/** Keeps the lines that fit the box at the smallest size; the last one kept ends with an ellipsis. */
function truncate(ctx: SKRSContext2D, layout: CaptionLayout, box: CaptionBox): CaptionLayout {
  const lines = [...layout.lines];
  const measured = () => measureBlock(ctx, { ...layout, lines });
  while (lines.length > 1 && measured().height > box.height) lines.pop();
  ctx.font = layout.font;
  const parts = Array.from(graphemes.segment(lines[lines.length - 1]), (part) => part.segment);
  while (parts.length > 0 && inkWidth(ctx, parts.join('') + ELLIPSIS) > layout.lineWidth) parts.pop();
  lines[lines.length - 1] = parts.join('').trimEnd() + ELLIPSIS;
  return measured();
}

function inkWidth(ctx: SKRSContext2D, text: string): number {
  const metrics = ctx.measureText(text);
  return Math.max(metrics.width, metrics.actualBoundingBoxLeft + metrics.actualBoundingBoxRight);
}
