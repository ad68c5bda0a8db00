import { Injectable } from '@nestjs/common';
import { Caption, writeCaption } from './caption';
import { MemeQuery } from './meme-query';
import { Place, PlaceFinder } from './places';

/**
 * Who wrote the meme: the standard local generator; the AI generator (premium); or, for a premium
 * caller whose AI meme could not be made (no AI configured, breaker open, slow or wrong answer),
 * the richer local generator.
 */
export type GeneratorKind = 'standard' | 'ai' | 'fallback';

export interface GeneratedMeme {
  /** What the caller receives in `meme`: the caption for a text meme. */
  readonly content: string;
  readonly caption: Caption;
  readonly place: Place;
  readonly generator: GeneratorKind;
}

/** Makes the meme itself. A port: tests replace it to make generation fail. */
export abstract class MemeGenerator {
  abstract generate(request: MemeQuery): Promise<GeneratedMeme>;
}

@Injectable()
export class TextMemeGenerator extends MemeGenerator {
  constructor(private readonly places: PlaceFinder) {
    super();
  }

  async generate({ lat, lon, query }: MemeQuery): Promise<GeneratedMeme> {
    const place = this.places.nearest(lat, lon);
    const caption = writeCaption(query, place);
    return { content: `${caption.top} / ${caption.bottom}`, caption, place, generator: 'standard' };
  }
}
