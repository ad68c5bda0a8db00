import { Inject, Injectable, Logger } from '@nestjs/common';
import { AiCaptionWriter } from '@maas/ai';
import { APP_CONFIG, Breakers, Metrics, RuntimeConfig } from '@maas/core';
import { Caption, placeLabel, PREMIUM_TEMPLATE_IDS, writeCaption } from '../caption';
import { GeneratedMeme } from '../meme-generator';
import { MemeQuery } from '../meme-query';
import { PlaceFinder } from '../places';

/** At most one warning per this long while the AI generator keeps failing. */
const WARN_EVERY_MS = 10_000;

/**
 * Premium memes: written by an OpenAI-compatible model (AI_BASE_URL) through the `ai` circuit
 * breaker, its answer schema-checked and length-limited; when AI is not configured, open, slow
 * (AI_TIMEOUT_MS) or wrong, the richer local generator (14 templates, larger images) instead,
 * marked `fallback`. Never fails for AI's sake.
 */
@Injectable()
export class PremiumMemeGenerator {
  private readonly logger = new Logger('PremiumMemes');
  private readonly writer?: AiCaptionWriter;
  private lastWarning = 0;

  constructor(
    private readonly places: PlaceFinder,
    private readonly breakers: Breakers,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) config: RuntimeConfig,
  ) {
    const { baseUrl, model, apiKey, timeoutMs } = config.ai;
    if (baseUrl) this.writer = new AiCaptionWriter({ baseUrl, model, apiKey, timeoutMs });
  }

  /** An AI endpoint is configured. */
  get asksAi(): boolean {
    return this.writer !== undefined;
  }

  /** `signal`: the caller no longer wants it (not premium after all, or out of tokens). */
  async generate({ lat, lon, query }: MemeQuery, signal?: AbortSignal): Promise<GeneratedMeme> {
    const place = this.places.nearest(lat, lon);
    const written = await this.askAi(query, placeLabel(place), signal);
    const caption = written ?? writeCaption(query, place, { premium: true });
    return { content: `${caption.top} / ${caption.bottom}`, caption, place, generator: written ? 'ai' : 'fallback' };
  }

  private async askAi(query: string, place: string, signal?: AbortSignal): Promise<Caption | undefined> {
    const writer = this.writer;
    if (!writer) return undefined;
    try {
      // Abandoned by our caller is not the endpoint's failure: it must not count against the breaker.
      const caption = await this.breakers.run('ai', () =>
        writer.write({ query, place, templates: PREMIUM_TEMPLATE_IDS }, signal).catch((error: unknown) => {
          if (signal?.aborted) return undefined;
          throw error;
        }),
      );
      if (caption) this.metrics.count('maas_ai_memes_total', 'Premium memes written by the AI generator.');
      return caption;
    } catch (error) {
      this.metrics.count('maas_ai_fallbacks_total', 'Premium memes made locally because the AI generator failed or its breaker was open.');
      if (Date.now() - this.lastWarning > WARN_EVERY_MS) {
        this.lastWarning = Date.now();
        this.logger.warn(`AI generator failed, serving local premium memes: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`);
      }
      return undefined;
    }
  }
}
