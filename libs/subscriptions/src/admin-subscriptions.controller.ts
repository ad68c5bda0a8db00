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
    summary: 'Set a subscription: grant, renew, change its period end or status',
    description:
      'The body is the subscription as wanted, in the shape GET answers (a GET body sent back changes nothing). ' +
      '`currentPeriodEnd` sets the end exactly (in the future, or the current end unchanged); without it, `periodDays` (default 30) renews: ' +
      'new: from now; existing: the end moves `periodDays` past the later of now and the current end, and the period restarts now if it had ended or was cancelled. ' +
      '`status` (default active) is set; cancelled cancels an existing subscription. Read-only fields (userId, premium, cached, currentPeriodStart, createdAt, updatedAt) are ignored; a userId must be the path\'s.',
  })
  @ApiCreatedResponse({ type: SubscriptionDto, description: 'Created.' })
  @ApiOkResponse({ type: SubscriptionDto, description: 'Updated (or unchanged).' })
  @ApiResponse({ status: 400, description: 'invalid_request: a bad or unknown field, or periodDays with currentPeriodEnd (per field in `errors`).' })
  @ApiResponse({ status: 404, description: 'subscription_not_found: status cancelled for a user without a subscription.' })
  async grant(
    @Param('userId', UserIdPipe) userId: string,
    @Body(BodyValidationPipe) body: GrantSubscriptionDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SubscriptionView> {
    if (body.userId !== undefined && body.userId !== userId) {
      throw AppError.invalid([{ field: 'userId', message: 'must be the user of the path (it is read-only)' }]);
    }
    const { subscription, created } = await this.subscriptions.put(userId, {
      status: body.status,
      periodDays: body.periodDays,
      currentPeriodEnd: body.currentPeriodEnd === undefined ? undefined : new Date(body.currentPeriodEnd),
    });
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
