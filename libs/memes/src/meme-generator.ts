import { Injectable } from '@nestjs/common';
import { Caption, writeCaption } from './caption';
import { MemeQuery } from './meme-query';
import { Place, PlaceFinder } from './places';

export interface GeneratedMeme {
  /** What the caller receives in `meme`: the caption for a text meme. */
  readonly content: string;
  readonly caption: Caption;
  readonly place: Place;
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
    return { content: `${caption.top} / ${caption.bottom}`, caption, place };
  }
}
