import { Body, Controller, Delete, Get, Param, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { AdminOnly, AppError, BodyValidationPipe, UserIdPipe } from '@maas/core';
import { AdminSubscriptionDto, SubscriptionDto, SubscriptionPageDto } from './dto/subscription.dto';
import { GrantSubscriptionDto } from './dto/grant-subscription.dto';
import { MAX_PAGE, PAGE_SIZE, parseListQuery } from './list-query';
import { SubscriptionView } from './subscription';
import { SUBSCRIPTION_STATUSES } from './subscription.entity';
import { SubscriptionListPage, Subscriptions } from './subscriptions.service';

@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@ApiResponse({ status: 403, description: 'forbidden: the token has no admin role.' })
@Controller('admin/subscriptions')
export class AdminSubscriptionsController {
  constructor(private readonly subscriptions: Subscriptions) {}

  @Get()
  @ApiOperation({ summary: 'Subscriptions, a page at a time, in user id order' })
  @ApiQuery({ name: 'status', required: false, enum: SUBSCRIPTION_STATUSES })
  @ApiQuery({ name: 'page', required: false, description: `1 to ${MAX_PAGE} (default 1), ${PAGE_SIZE} subscriptions a page` })
  @ApiOkResponse({ type: SubscriptionPageDto })
  @ApiResponse({ status: 400, description: 'invalid_request: a bad or unknown parameter (per field in `errors`).' })
  list(@Query() raw: Record<string, unknown>): Promise<SubscriptionListPage> {
    const parsed = parseListQuery(raw);
    if (!parsed.ok) throw AppError.invalid(parsed.errors);
    return this.subscriptions.list(parsed.value);
  }

  @Get(':userId')
  @ApiOperation({ summary: "A user's subscription, and whether it was cached" })
  @ApiOkResponse({ type: AdminSubscriptionDto })
  @ApiResponse({ status: 404, description: 'subscription_not_found' })
  async find(@Param('userId', UserIdPipe) userId: string): Promise<SubscriptionView & { cached: boolean }> {
    const { subscription, cached } = await this.subscriptions.lookup(userId);
    return { ...found(subscription), cached };
  }

  @Put(':userId')
  @ApiOperation({
    summary: 'Grant or renew a premium subscription',
    description:
      'New: active (or past_due) from now for `periodDays`. Existing: the status is set and the period end moves `periodDays` past the later of now and the current end; the period restarts now if it had ended or was cancelled.',
  })
  @ApiCreatedResponse({ type: SubscriptionDto, description: 'Created.' })
  @ApiOkResponse({ type: SubscriptionDto, description: 'Renewed.' })
  @ApiResponse({ status: 400, description: 'invalid_request: a bad or unknown field (per field in `errors`).' })
  async grant(
    @Param('userId', UserIdPipe) userId: string,
    @Body(BodyValidationPipe) body: GrantSubscriptionDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SubscriptionView> {
    const { subscription, created } = await this.subscriptions.grant(userId, { periodDays: body.periodDays, status: body.status });
    reply.status(created ? 201 : 200);
    return subscription;
  }

  @Delete(':userId')
  @ApiOperation({ summary: 'Cancel a subscription: premium ends on the next request' })
  @ApiOkResponse({ type: SubscriptionDto, description: 'Cancelled (cancelling again changes nothing).' })
  @ApiResponse({ status: 404, description: 'subscription_not_found' })
  async cancel(@Param('userId', UserIdPipe) userId: string): Promise<SubscriptionView> {
    return found(await this.subscriptions.cancel(userId));
  }
}

function found(subscription: SubscriptionView | undefined): SubscriptionView {
  if (!subscription) throw new AppError('subscription_not_found');
  return subscription;
}
