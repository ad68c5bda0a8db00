import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';

export const MAX_CREDIT = 1_000_000_000;

export class CreditTokensDto {
  @ApiProperty({ minimum: 1, maximum: MAX_CREDIT, example: 100, description: 'Tokens to add.' })
  @IsInt()
  @Min(1)
  @Max(MAX_CREDIT)
  amount!: number;

  @ApiProperty({
    minLength: 1,
    maxLength: 128,
    example: 'order-2026-0001',
    description: 'Your unique id for this purchase. Sending it again credits nothing more.',
  })
  @IsString()
  @Length(1, 128)
  @Matches(/^[\x21-\x7e]+$/, { message: 'reference must be printable ASCII without spaces' })
  reference!: string;
}
