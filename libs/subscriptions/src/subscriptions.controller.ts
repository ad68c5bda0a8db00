import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AppError, Caller, Principal } from '@maas/core';
import { SubscriptionDto } from './dto/subscription.dto';
import { SubscriptionView } from './subscription';
import { Subscriptions } from './subscriptions.service';

/** The caller's own subscription only: the user id comes from the token, never from the request. */
@ApiTags('subscriptions')
@ApiBearerAuth()
@Controller('subscriptions')
export class SubscriptionsController {
  constructor(private readonly subscriptions: Subscriptions) {}

  @Get('me')
  @ApiOperation({ summary: "The caller's subscription" })
  @ApiOkResponse({ type: SubscriptionDto })
  @ApiResponse({ status: 404, description: 'subscription_not_found: the caller has no subscription.' })
  async mine(@Caller() caller: Principal): Promise<SubscriptionView> {
    const subscription = await this.subscriptions.find(caller.userId);
    if (!subscription) throw new AppError('subscription_not_found');
    return subscription;
  }
}
