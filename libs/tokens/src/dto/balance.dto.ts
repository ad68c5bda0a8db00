import { ApiProperty } from '@nestjs/swagger';

export class BalanceDto {
  @ApiProperty({ example: 'alice' }) userId!: string;
  @ApiProperty({ example: 100, description: 'Tokens ever purchased.' }) purchased!: number;
  @ApiProperty({ example: 7, description: 'Tokens spent on memes.' }) used!: number;
  @ApiProperty({ example: 93, description: 'purchased - used' }) remaining!: number;
}
