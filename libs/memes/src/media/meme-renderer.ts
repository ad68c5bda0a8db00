import { Injectable } from '@nestjs/common';
import { renderImage, renderVideo, RenderedMedia } from '@maas/media';
import { Caption } from '../caption';

export type MediaFormat = 'image' | 'video';

/** Draws an image or video meme; `premium` ones are larger (and videos longer). */
export abstract class MemeRenderer {
  abstract render(format: MediaFormat, caption: Caption, premium: boolean): Promise<RenderedMedia>;
}

/** Renders on this machine: canvas for images, the shipped ffmpeg for videos. */
@Injectable()
export class LocalMemeRenderer extends MemeRenderer {
  render(format: MediaFormat, caption: Caption, premium: boolean): Promise<RenderedMedia> {
    if (format === 'image') return renderImage(caption, premium ? { width: 1600, height: 1200 } : {});
    return renderVideo(caption, premium ? { width: 960, height: 720, durationMs: 4000 } : {});
  }
}
