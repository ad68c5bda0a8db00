import { Body, Controller, Delete, Get, HttpCode, Put, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { AppError, BodyValidationPipe, Caller, Principal } from '@maas/core';
import { isEmailAddress } from '@maas/notifications';
import { NotificationTargets, Webhook } from './notification-targets';

class WebhookDto {
  @ApiProperty({ example: 'https://example.com/hooks/maas', description: 'https URL on the public internet, at most 2048 characters.' })
  @IsString()
  @MaxLength(2048)
  url!: string;
}

class WebhookResponseDto {
  @ApiProperty() url!: string;
  @ApiProperty({ example: 'whsec_…', description: 'Verify the Maas-Signature header of every delivery with it.' }) secret!: string;
}

class EmailDto {
  @ApiProperty({ example: 'me@example.com' })
  @IsString()
  @MaxLength(254)
  email!: string;
}

/**
 * Where to be told that a meme made after its sale (a video) is ready or failed. Optional:
 * polling GET /memes/{id} always works.
 */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller()
export class NotificationsController {
  constructor(private readonly targets: NotificationTargets) {}

  @Put('webhooks')
  @UsePipes(BodyValidationPipe)
  @ApiOperation({
    summary: 'Set your webhook',
    description:
      'Each ready or failed meme is POSTed there as JSON `{"id","type":"meme.ready"|"meme.failed","createdAt","data":{…the meme}}` with `Maas-Delivery` (dedupe on it) and `Maas-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. Failed deliveries (timeouts, 408, 429, 5xx) are retried with exponential backoff.',
  })
  @ApiOkResponse({ type: WebhookResponseDto })
  @ApiResponse({ status: 400, description: 'invalid_request: not https, or the host resolves to a private, loopback or link-local address.' })
  setWebhook(@Caller() caller: Principal, @Body() body: WebhookDto): Promise<Webhook> {
    return this.targets.setWebhook(caller.userId, body.url);
  }

  @Get('webhooks')
  @ApiOperation({ summary: 'Your webhook and its signing secret' })
  @ApiOkResponse({ type: WebhookResponseDto })
  @ApiResponse({ status: 404, description: 'webhook_not_found' })
  webhook(@Caller() caller: Principal): Promise<Webhook> {
    return this.targets.webhook(caller.userId);
  }

  @Delete('webhooks')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove your webhook' })
  async removeWebhook(@Caller() caller: Principal): Promise<void> {
    await this.targets.removeWebhook(caller.userId);
  }

  @Put('notifications/email')
  @UsePipes(BodyValidationPipe)
  @HttpCode(204)
  @ApiOperation({ summary: 'Be e-mailed when a meme is ready (when the service has SMTP configured)' })
  async setEmail(@Caller() caller: Principal, @Body() body: EmailDto): Promise<void> {
    if (!isEmailAddress(body.email)) throw AppError.invalid([{ field: 'email', message: 'must be an e-mail address' }]);
    await this.targets.setEmail(caller.userId, body.email);
  }

  @Delete('notifications/email')
  @HttpCode(204)
  @ApiOperation({ summary: 'Stop e-mails' })
  async removeEmail(@Caller() caller: Principal): Promise<void> {
    await this.targets.setEmail(caller.userId, null);
  }
}
