import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GlobalFonts } from '@napi-rs/canvas';

const FONT_FILE = join('assets', 'fonts', 'Anton-Regular.ttf');

/** The CSS family name captions are drawn with. */
const MEME_FONT_FAMILY = 'Anton';

let fontRegistered = false;

/**
 * The repository's `assets/` directory, found by walking up from `from`. Walking up rather than
 * a fixed relative path, because this file runs both from source (jest, the bench) and compiled,
 * several directories deeper, under `dist/apps/<app>/libs/media/src`.
 */
export function findAssetsDir(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, FONT_FILE))) return join(dir, 'assets');
    if (dirname(dir) === dir) throw new Error(`${FONT_FILE} not found in ${from} or any directory above it`);
  }
}

/**
 * Registers the shipped Anton font with canvas (once per process) and returns its family name.
 * Captions never rely on a system font: servers and containers differ in what they have.
 */
export function memeFont(): string {
  if (!fontRegistered) {
    const key = GlobalFonts.registerFromPath(join(findAssetsDir(), 'fonts', 'Anton-Regular.ttf'), MEME_FONT_FAMILY);
    if (!key) throw new Error(`canvas could not load the font ${FONT_FILE}`);
    fontRegistered = true;
  }
  return MEME_FONT_FAMILY;
}
