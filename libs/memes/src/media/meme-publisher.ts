import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppError, RuntimeConfig } from '@maas/core';
import { ObjectStorage } from '@maas/storage';
import { Caption } from '../caption';
import { ShortLinks } from '../links/short-links';
import { GenerationTimes } from './generation-times';
import { MediaFormat, MemeRenderer } from './meme-renderer';

const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/webp': 'webp', 'video/mp4': 'mp4' };

/**
 * Makes an image or video meme available: renders it, stores it under a name no one can guess
 * (the meme's random id) and gives it a short link. Doing it twice for one meme (a retried job)
 * overwrites the object with the same meme and answers the same link.
 */
@Injectable()
export class MemePublisher {
  private readonly logger = new Logger('MemePublisher');

  constructor(
    private readonly renderer: MemeRenderer,
    private readonly storage: ObjectStorage,
    private readonly links: ShortLinks,
    private readonly times: GenerationTimes,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  /** Answers the short link's URL. */
  async publish(memeId: string, format: MediaFormat, caption: Caption, premium: boolean): Promise<string> {
    const started = performance.now();
    const media = await this.renderer.render(format, caption, premium);
    const key = `memes/${memeId}.${EXTENSIONS[media.contentType]}`;
    try {
      await this.storage.put(key, media.data, media.contentType);
    } catch (error) {
      throw AppError.unavailable('Meme storage is unavailable.', 1, error);
    }
    const link = await this.links.create(memeId, key);
    this.times.record(format, performance.now() - started, memeId);
    return link;
  }

  /** Removes a meme made for a sale that did not happen. Best effort: a leftover only costs storage. */
  async withdraw(memeId: string): Promise<void> {
    try {
      const key = await this.links.remove(memeId);
      if (key) await this.storage.delete(key);
    } catch (error) {
      this.logger.warn(`Could not remove the unsold meme ${memeId}: ${(error as Error).message}`);
    }
  }

  /** Where the short link `code` leads: absolute URL of the object, or undefined. */
  async locate(code: string): Promise<string | undefined> {
    const key = await this.links.resolve(code);
    if (!key) return undefined;
    const url = await this.storage.urlFor(key);
    return url.startsWith('/') ? `${this.config.publicBaseUrl}${url}` : url;
  }

  /** Deletes memes older than OBJECT_RETENTION_DAYS, a page at a time; answers how many. */
  async expireOld(): Promise<number> {
    const days = this.config.objectRetentionDays;
    if (days === 0) return 0;
    let removed = 0;
    for (let keys = await this.links.expire(days, 500); keys.length > 0; keys = await this.links.expire(days, 500)) {
      for (const key of keys) {
        // The link is gone already: an object that cannot be deleted now only costs storage.
        await this.storage.delete(key).catch((error: Error) => this.logger.warn(`Could not delete expired ${key}: ${error.message}`));
      }
      removed += keys.length;
    }
    return removed;
  }
}
