import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { SUBSCRIPTION_PLANS, SUBSCRIPTION_STATUSES } from '../subscription.entity';
import { DEFAULT_PERIOD_DAYS, MAX_PERIOD_DAYS } from '../subscriptions.service';

/** RFC 3339 with a time zone and at most milliseconds, so the instant stored is exactly the one sent. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;
const DATE_TIME_MESSAGE = 'must be an ISO 8601 date-time with a time zone and at most milliseconds, e.g. 2030-01-31T00:00:00.000Z';

/**
 * The body of PUT /admin/subscriptions/:userId: the subscription as wanted, in the shape GET
 * answers, so a GET's body can be sent back as it is. `status` and `currentPeriodEnd` are set;
 * `periodDays` is a shorthand for renewing. The other fields GET answers are read-only: accepted
 * (a userId must be the path's) and ignored.
 */
export class GrantSubscriptionDto {
  @ApiProperty({
    required: false,
    minimum: 1,
    maximum: MAX_PERIOD_DAYS,
    default: DEFAULT_PERIOD_DAYS,
    example: 30,
    description:
      'Days added to the period: from now for a new, ended or cancelled subscription, else from its current end. Used when `currentPeriodEnd` is not given; not with it.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PERIOD_DAYS)
  periodDays?: number;

  @ApiProperty({
    required: false,
    format: 'date-time',
    example: '2030-01-31T00:00:00.000Z',
    description: `The period's end, exactly: in the future (at most ${MAX_PERIOD_DAYS} days ahead), or the current end unchanged. Not with \`periodDays\`.`,
  })
  @IsOptional()
  @IsString()
  @Matches(DATE_TIME, { message: `currentPeriodEnd ${DATE_TIME_MESSAGE}` })
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'currentPeriodEnd must be a real date and time' })
  currentPeriodEnd?: string;

  @ApiProperty({
    required: false,
    enum: SUBSCRIPTION_STATUSES,
    default: 'active',
    description: 'past_due keeps the period but is not premium; cancelled cancels (as DELETE does) and keeps the period.',
  })
  @IsOptional()
  @IsIn(SUBSCRIPTION_STATUSES)
  status?: (typeof SUBSCRIPTION_STATUSES)[number];

  @ApiProperty({ required: false, enum: SUBSCRIPTION_PLANS, description: 'The only plan.' })
  @IsOptional()
  @IsIn(SUBSCRIPTION_PLANS)
  plan?: (typeof SUBSCRIPTION_PLANS)[number];

  @ApiProperty({ required: false, readOnly: true, description: "Read-only; if given, the path's user." })
  @IsOptional()
  @IsString()
  userId?: string;

  @ApiProperty({ required: false, readOnly: true, description: 'Read-only, ignored: worked out from status and period.' })
  @IsOptional()
  @IsBoolean()
  premium?: boolean;

  @ApiProperty({ required: false, readOnly: true, description: 'Read-only, ignored.' })
  @IsOptional()
  @IsBoolean()
  cached?: boolean;

  @ApiProperty({ required: false, readOnly: true, format: 'date-time', description: 'Read-only, ignored: the server starts periods.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  currentPeriodStart?: string;

  @ApiProperty({ required: false, readOnly: true, format: 'date-time', description: 'Read-only, ignored.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  createdAt?: string;

  @ApiProperty({ required: false, readOnly: true, format: 'date-time', description: 'Read-only, ignored.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  updatedAt?: string;
}
