/**
 * What a meme says. Structurally the same as `Caption` in @maas/memes, declared here so that
 * rendering depends on no feature lib.
 */
export interface MemeCaption {
  /** A template id such as 'one-does-not-simply'; an unknown id renders with a generic template. */
  readonly template: string;
  readonly top: string;
  readonly bottom: string;
}

export interface RenderedMedia {
  readonly data: Buffer;
  readonly contentType: 'image/png' | 'image/webp' | 'video/mp4';
  readonly width: number;
  readonly height: number;
  /** Videos only: the nominal length, frames / fps. */
  readonly durationMs?: number;
}
