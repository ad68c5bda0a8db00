import { Injectable } from '@nestjs/common';
import { renderImage, renderVideo, RenderedMedia } from '@maas/media';
import { Caption } from '../caption';

export type MediaFormat = 'image' | 'video';

/** Draws an image or video meme. A port: tests replace it to make generation fail. */
export abstract class MemeRenderer {
  abstract render(format: MediaFormat, caption: Caption): Promise<RenderedMedia>;
}

/** Renders on this machine: canvas for images, the shipped ffmpeg for videos. */
@Injectable()
export class LocalMemeRenderer extends MemeRenderer {
  render(format: MediaFormat, caption: Caption): Promise<RenderedMedia> {
    return format === 'image' ? renderImage(caption) : renderVideo(caption);
  }
}
