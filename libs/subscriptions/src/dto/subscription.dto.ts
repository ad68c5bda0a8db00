import { ApiProperty } from '@nestjs/swagger';
import { MAX_PAGE, PAGE_SIZE } from '../list-query';
import { SUBSCRIPTION_PLANS, SUBSCRIPTION_STATUSES } from '../subscription.entity';

export class SubscriptionDto {
  @ApiProperty({ example: 'alice' }) userId!: string;
  @ApiProperty({ enum: SUBSCRIPTION_PLANS, example: 'premium' }) plan!: string;
  @ApiProperty({ enum: SUBSCRIPTION_STATUSES, example: 'active' }) status!: string;
  @ApiProperty({ format: 'date-time', example: '2026-01-01T00:00:00.000Z' }) currentPeriodStart!: string;
  @ApiProperty({ format: 'date-time', example: '2026-01-31T00:00:00.000Z' }) currentPeriodEnd!: string;
  @ApiProperty({ description: 'Premium right now: status active and the period not ended.' }) premium!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class AdminSubscriptionDto extends SubscriptionDto {
  @ApiProperty({ description: 'Whether the cache held this subscription before this request.' }) cached!: boolean;
}

export class SubscriptionPageDto {
  @ApiProperty({ type: SubscriptionDto, isArray: true, description: 'In user id order; empty past the last page.' })
  items!: SubscriptionDto[];

  @ApiProperty({ minimum: 1, maximum: MAX_PAGE, example: 1 }) page!: number;
  @ApiProperty({ example: PAGE_SIZE }) pageSize!: number;
  @ApiProperty({ example: 1234, description: 'Subscriptions matching the filter, all pages together.' }) total!: number;
}
