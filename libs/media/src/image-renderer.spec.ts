import { createCanvas, loadImage } from '@napi-rs/canvas';
import { renderImage } from './image-renderer';
import { MemeCaption } from './media.types';
import { sceneOf } from './templates';

/** The richer local generator's templates, drawn since the first eight. */
const PREMIUM_TEMPLATES = ['galaxy-brain', 'two-buttons', 'this-is-fine', 'change-my-mind', 'drake-prefers', 'distracted'];

const TEMPLATES = [
  'one-does-not-simply',
  'brace-yourselves',
  'keep-calm',
  'nobody',
  'is-this',
  'what-if-i-told-you',
  'success-kid',
  'not-sure-if',
  ...PREMIUM_TEMPLATES,
  'a-template-nobody-drew',
];

const caption = (template: string, top = 'One does not simply', bottom = 'deploy on Friday in Paris, France'): MemeCaption => ({
  template,
  top,
  bottom,
});

/** The picture shrunk to 16x12 RGB: enough to tell scenes apart, blind to the exact pixels. */
async function thumbnail(data: Buffer): Promise<Uint8ClampedArray> {
  const canvas = createCanvas(16, 12);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(await loadImage(data), 0, 0, 16, 12);
  return ctx.getImageData(0, 0, 16, 12).data.filter((_, index) => index % 4 !== 3);
}

function meanDifference(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  return a.reduce((sum, value, index) => sum + Math.abs(value - b[index]), 0) / a.length;
}

describe('renderImage', () => {
  it('makes a 1024x768 PNG by default', async () => {
    const image = await renderImage(caption('keep-calm'));
    expect(image).toMatchObject({ contentType: 'image/png', width: 1024, height: 768 });
    expect(image.data.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const decoded = await loadImage(image.data);
    expect([decoded.width, decoded.height]).toEqual([1024, 768]);
  });

  it('makes a WebP of the requested size', async () => {
    const image = await renderImage(caption('nobody'), { format: 'webp', width: 800, height: 600 });
    expect(image).toMatchObject({ contentType: 'image/webp', width: 800, height: 600 });
    expect(image.data.toString('latin1', 0, 4)).toBe('RIFF');
    expect(image.data.toString('latin1', 8, 12)).toBe('WEBP');
    const decoded = await loadImage(image.data);
    expect([decoded.width, decoded.height]).toEqual([800, 600]);
  });

  it('gives the same bytes for the same caption', async () => {
    const [first, second] = await Promise.all([renderImage(caption('is-this')), renderImage(caption('is-this'))]);
    expect(first.data.equals(second.data)).toBe(true);
  });

  it('varies the scene with the caption', async () => {
    const [first, second] = await Promise.all([
      renderImage(caption('brace-yourselves', 'Brace yourselves', 'winter')),
      renderImage(caption('brace-yourselves', 'Brace yourselves', 'summer')),
    ]);
    // Rows 5 and 6 of 12: the middle of the picture, clear of both captions.
    const middle = async (data: Buffer) => (await thumbnail(data)).subarray(16 * 3 * 5, 16 * 3 * 7);
    expect(meanDifference(await middle(first.data), await middle(second.data))).toBeGreaterThan(2);
  });

  it('gives every template, and the generic one, a look of its own', async () => {
    const thumbnails = await Promise.all(TEMPLATES.map(async (template) => thumbnail((await renderImage(caption(template))).data)));
    for (let a = 0; a < TEMPLATES.length; a++) {
      for (let b = a + 1; b < TEMPLATES.length; b++) {
        const difference = meanDifference(thumbnails[a], thumbnails[b]);
        if (difference <= 15) throw new Error(`${TEMPLATES[a]} and ${TEMPLATES[b]} look alike: mean difference ${difference.toFixed(1)}`);
      }
    }
  });

  // The test above tells the pictures apart; this one also catches an id missing from the scene table.
  it.each(PREMIUM_TEMPLATES)('draws %s with a scene of its own into a decodable PNG', async (template) => {
    expect(sceneOf(template)).not.toBe(sceneOf('a-template-nobody-drew'));
    const decoded = await loadImage((await renderImage(caption(template))).data);
    expect([decoded.width, decoded.height]).toEqual([1024, 768]);
  });

  it.each([
    ['a 200-character word', caption('success-kid', 'Went to Paris, France', `Found ${'W'.repeat(200)}`)],
    ['emoji', caption('is-this', 'Paris, France:', 'Is this 😀🎉👨‍👩‍👧‍👦👍🏽🇫🇷?')],
    ['CJK', caption('not-sure-if', `Not sure if ${'日本語のテキスト'.repeat(25)}`, 'or just Tokyo, Japan')],
    ['right-to-left text', caption('keep-calm', 'Keep calm', 'and שלום עולם مرحبا in Tel Aviv')],
    ['markup', caption('nobody', 'Nobody:', '<script>alert("x")</script>')],
    ['an empty bottom', caption('what-if-i-told-you', 'What if I told you', '')],
    ['no text at all', caption('one-does-not-simply', '', '')],
  ])('renders a caption with %s at full size', async (_name, hostile) => {
    const image = await renderImage(hostile);
    const decoded = await loadImage(image.data);
    expect([decoded.width, decoded.height]).toEqual([1024, 768]);
  });

  it.each([
    [{ width: 63 }],
    [{ height: 4097 }],
    [{ width: 800.5 }],
    [{ width: Number.NaN }],
  ])('refuses a size out of range: %j', async (options) => {
    await expect(renderImage(caption('nobody'), options)).rejects.toThrow(RangeError);
  });
});
