import { ApiProperty } from '@nestjs/swagger';

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
  @ApiProperty({ enum: ['text'] }) format!: string;
  @ApiProperty({ example: 'One does not simply / deploy on Friday in Paris, France' }) meme!: string;
  @ApiProperty({ type: CaptionDto }) caption!: CaptionDto;
  @ApiProperty({ type: PlaceDto }) place!: PlaceDto;
  @ApiProperty({ example: 'demo' }) userId!: string;
  @ApiProperty({ example: 48.8566 }) lat!: number;
  @ApiProperty({ example: 2.3522 }) lon!: number;
  @ApiProperty({ example: 'deploy on Friday' }) query!: string;
  @ApiProperty({ example: 1, description: 'Tokens this meme cost.' }) cost!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class MemeDto extends MemeFieldsDto {
  @ApiProperty({ example: 99, description: 'The balance right after this meme (also the Tokens-Remaining header).' })
  remaining!: number;
}

export class StoredMemeDto extends MemeFieldsDto {
  @ApiProperty({ format: 'date-time', nullable: true, description: 'When an answer carrying it was sent; null if never.' })
  deliveredAt!: string | null;
}
