import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { DEFAULT_PERIOD_DAYS, MAX_PERIOD_DAYS } from '../subscriptions.service';

const GRANTABLE = ['active', 'past_due'] as const;

export class GrantSubscriptionDto {
  @ApiProperty({
    required: false,
    minimum: 1,
    maximum: MAX_PERIOD_DAYS,
    default: DEFAULT_PERIOD_DAYS,
    example: 30,
    description: 'Days added to the period: from now for a new, ended or cancelled subscription, else from its current end.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PERIOD_DAYS)
  periodDays?: number;

  @ApiProperty({ required: false, enum: GRANTABLE, default: 'active', description: 'past_due keeps the period but is not premium.' })
  @IsOptional()
  @IsIn(GRANTABLE)
  status?: (typeof GRANTABLE)[number];
}
