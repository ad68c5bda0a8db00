import { createCanvas } from '@napi-rs/canvas';
import { CaptionLayout, drawCaption, layoutCaption, placeCaptions } from './caption-layout';

/** Captions quote a user query of 1 to 200 characters verbatim. */
const HOSTILE: Record<string, string> = {
  'a 200-character word': `Found ${'W'.repeat(200)}`,
  'emoji, with joiners and skin tones': 'Is this 😀🎉👨‍👩‍👧‍👦👍🏽🇫🇷 '.repeat(8),
  'CJK without spaces': `東京都:${'日本語のテキスト'.repeat(25)}`,
  'right-to-left text': 'Not sure if שלום עולם or مرحبا بالعالم '.repeat(6),
  'markup and quotes': '<script>alert("x")</script> \'quoted\' & "double" `back` \\ / %s {{x}}',
  'combining accents': 'Ё́ Å̧ Z̴̡̛͔̮̈́͑A̶͍̓L̸̨̛͙G̷̢̈́O̵̡̊ '.repeat(10),
  'control characters': 'tab\there\u0000nul\u200bzero-width\u202eoverride',
  'a 300-character sentence': 'and deploy on a friday afternoon right before a long weekend '.repeat(5),
};

const FRAMES = [
  [1024, 768],
  [640, 480],
] as const;

const textOf = (lines: readonly string[]) => lines.join('').replace(/\s+/gu, '');

function measuredWidths(layout: CaptionLayout): number[] {
  const ctx = createCanvas(1, 1).getContext('2d');
  ctx.font = layout.font;
  return layout.lines.map((line) => {
    const metrics = ctx.measureText(line);
    return Math.max(metrics.width, metrics.actualBoundingBoxLeft + metrics.actualBoundingBoxRight);
  });
}

/** True when no pixel on the canvas edge has any ink: what was drawn lies wholly inside. */
function edgesAreClear(pixels: Uint8ClampedArray, width: number, height: number): boolean {
  const alpha = (x: number, y: number) => pixels[(y * width + x) * 4 + 3];
  for (let x = 0; x < width; x++) if (alpha(x, 0) || alpha(x, height - 1)) return false;
  for (let y = 0; y < height; y++) if (alpha(0, y) || alpha(width - 1, y)) return false;
  return true;
}

describe('layoutCaption', () => {
  const box = { width: 942, height: 230 };

  it('gives a short caption one line at the largest size', () => {
    const layout = layoutCaption('One does not simply', box);
    expect(layout.lines).toEqual(['ONE DOES NOT SIMPLY']);
    expect(layout.fontSize).toBe(Math.floor(box.height * 0.42));
  });

  it('wraps at spaces and shrinks to fit', () => {
    const short = layoutCaption('Brace yourselves', box);
    const long = layoutCaption('and deploy on a friday afternoon right before a long weekend in Paris, France', box);
    expect(long.lines.length).toBeGreaterThan(1);
    expect(long.fontSize).toBeLessThan(short.fontSize);
    expect(long.lines.every((line) => line === line.trim() && line.length > 0)).toBe(true);
  });

  it('breaks a word wider than a line between graphemes, losing nothing', () => {
    const layout = layoutCaption('W'.repeat(200), box);
    expect(layout.lines.length).toBeGreaterThan(1);
    expect(textOf(layout.lines)).toBe('W'.repeat(200));
  });

  it('never splits an emoji sequence', () => {
    const family = '👨‍👩‍👧‍👦';
    const layout = layoutCaption(family.repeat(60), { width: 200, height: 230 });
    expect(layout.lines.length).toBeGreaterThan(1);
    for (const line of layout.lines) expect(line.split(family).join('')).toBe('');
  });

  it('gives empty or blank text no lines and no height', () => {
    for (const text of ['', '   \n\t ']) expect(layoutCaption(text, box)).toMatchObject({ lines: [], height: 0 });
  });

  it('cuts text that cannot fit even at the smallest size and ends it with an ellipsis', () => {
    const layout = layoutCaption('too much to say '.repeat(400), box);
    expect(layout.lines[layout.lines.length - 1]).toMatch(/…$/);
    expect(layout.height).toBeLessThanOrEqual(box.height);
    expect(Math.max(...measuredWidths(layout))).toBeLessThanOrEqual(layout.lineWidth);
  });
});

describe.each(FRAMES)('placeCaptions in a %ix%i frame', (width, height) => {
  describe.each(Object.entries(HOSTILE))('with %s', (_name, text) => {
    const placed = placeCaptions({ template: 'nobody', top: text, bottom: text }, width, height);

    it('keeps every character of the caption, uppercased', () => {
      expect(placed).toHaveLength(2);
      for (const { layout } of placed) expect(textOf(layout.lines)).toBe(textOf([text.toUpperCase()]));
    });

    it('keeps each block within 92 % of the width and 30 % of the height, at its edge', () => {
      for (const { position, layout, y } of placed) {
        expect(Math.max(...measuredWidths(layout))).toBeLessThanOrEqual(layout.lineWidth);
        expect(layout.lineWidth + layout.strokeWidth).toBeLessThanOrEqual(width * 0.92);
        expect(layout.height).toBeLessThanOrEqual(height * 0.3);
        if (position === 'top') expect(y).toBeGreaterThanOrEqual(0);
        if (position === 'top') expect(y + layout.height).toBeLessThanOrEqual(height * 0.34);
        if (position === 'bottom') expect(y).toBeGreaterThanOrEqual(height * 0.66);
        if (position === 'bottom') expect(y + layout.height).toBeLessThanOrEqual(height);
      }
    });

    it('draws every glyph and outline inside its block', () => {
      const { layout } = placed[0];
      const canvas = createCanvas(width, layout.height);
      const ctx = canvas.getContext('2d');
      drawCaption(ctx, layout, width / 2, 0);
      const pixels = ctx.getImageData(0, 0, width, layout.height).data;
      expect(pixels.some((value, index) => index % 4 === 3 && value === 255)).toBe(true);
      expect(edgesAreClear(pixels, width, layout.height)).toBe(true);
    });
  });

  it('leaves an empty caption out and the other at its edge', () => {
    const placed = placeCaptions({ template: 'success-kid', top: 'Went to Paris', bottom: '' }, width, height);
    expect(placed.map((caption) => caption.position)).toEqual(['top']);
    expect(placeCaptions({ template: 'success-kid', top: ' ', bottom: '' }, width, height)).toEqual([]);
  });
});
