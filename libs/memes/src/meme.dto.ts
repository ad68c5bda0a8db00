import { ApiProperty } from '@nestjs/swagger';
import { MEME_FORMATS } from '@maas/core';

/** OpenAPI shapes of the memes routes' answers (documentation only; the service returns plain objects). */
class CaptionDto {
  @ApiProperty({ example: 'one-does-not-simply' }) template!: string;
  @ApiProperty({ example: 'One does not simply' }) top!: string;
  @ApiProperty({ example: 'deploy on Friday in Paris, France' }) bottom!: string;
}

class PlaceDto {
  @ApiProperty({ example: 'Paris' }) name!: string;
  @ApiProperty({ example: 'FR' }) countryCode!: string;
  @ApiProperty({ example: 'France' }) country!: string;
  @ApiProperty({ example: 0.4 }) distanceKm!: number;
}

class MemeFieldsDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: MEME_FORMATS }) format!: string;
  @ApiProperty({
    enum: ['standard', 'ai', 'fallback'],
    description: 'standard: a normal meme. ai: written by the AI generator (premium). fallback: premium, made by the richer local generator because AI was unavailable or not configured.',
  })
  generator!: string;
  @ApiProperty({ enum: ['ready', 'pending', 'failed'], description: 'pending: paid for and being made (202); failed: refunded.' })
  status!: string;
  @ApiProperty({
    nullable: true,
    example: 'One does not simply / deploy on Friday in Paris, France',
    description: 'Text: the caption. Image and video: a short link, http://…/m/<code>. Null until ready.',
  })
  meme!: string | null;
  @ApiProperty({ example: '/memes/0b0c…', description: 'GET it to follow a pending meme.' }) statusUrl!: string;
  @ApiProperty({ type: CaptionDto }) caption!: CaptionDto;
  @ApiProperty({ type: PlaceDto }) place!: PlaceDto;
  @ApiProperty({ example: 'demo' }) userId!: string;
  @ApiProperty({ example: 48.8566 }) lat!: number;
  @ApiProperty({ example: 2.3522 }) lon!: number;
  @ApiProperty({ example: 'deploy on Friday' }) query!: string;
  @ApiProperty({ example: 1, description: 'Tokens this meme cost (MEME_COST_TEXT, MEME_COST_IMAGE or MEME_COST_VIDEO).' }) cost!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class MemeDto extends MemeFieldsDto {
  @ApiProperty({ example: 99, description: 'The balance right after this meme (also the Tokens-Remaining header).' })
  remaining!: number;
}

export class StoredMemeDto extends MemeFieldsDto {
  @ApiProperty({ format: 'date-time', nullable: true, description: 'When an answer carrying it was sent; null if never.' })
  deliveredAt!: string | null;
  @ApiProperty({ required: false, description: 'Only on a failed meme: why (its tokens were refunded).' }) error?: string;
}
