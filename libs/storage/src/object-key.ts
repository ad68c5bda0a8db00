import { extname } from 'node:path';

/**
 * Lowercase `/`-separated segments of [a-z0-9._-], each starting with a letter or digit. So:
 * - no empty, `.` or `..` segment and no leading `/`: a key never reaches outside the storage root;
 * - no segment starting with a dot: FileSystemStorage's temporary files are dotfiles, never taken
 *   for objects nor served as one;
 * - only URL-safe characters: a key goes into a URL path as it is.
 */
const KEY = /^[a-z0-9][a-z0-9._-]*(?:\/[a-z0-9][a-z0-9._-]*)*$/;
const MAX_KEY_LENGTH = 200;

/**
 * The content types stored, by key extension. The filesystem cannot keep a content type beside
 * the bytes, and serves it from the extension; every adapter enforces the same pairing so that a
 * key means the same thing whichever adapter stores it.
 */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.mp4': 'video/mp4',
};

export function isValidObjectKey(key: string): boolean {
  return key.length <= MAX_KEY_LENGTH && KEY.test(key);
}

/** Keys come from our code, never from users: an invalid one is a bug, reported loudly. */
export function assertValidObjectKey(key: string): void {
  if (!isValidObjectKey(key)) throw new Error(`Invalid object key ${JSON.stringify(key)}`);
}

export function assertStorable(key: string, contentType: string): void {
  assertValidObjectKey(key);
  const expected = CONTENT_TYPES[extname(key)];
  if (expected !== contentType) {
    throw new Error(
      `Object key ${JSON.stringify(key)} does not fit content type ${JSON.stringify(contentType)}: ` +
        `stored types are ${Object.entries(CONTENT_TYPES)
          .map(([extension, type]) => `${type} as *${extension}`)
          .join(', ')}`,
    );
  }
}
