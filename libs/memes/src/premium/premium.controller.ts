import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, RuntimeConfig } from '@maas/core';
import { PREMIUM_TEMPLATE_IDS } from '../caption';
import { Premium } from './premium.guard';

class PremiumOfferDto {
  @ApiProperty({ enum: ['ai', 'fallback'], description: 'ai: an AI generator is configured (falls back locally while it fails); fallback: local only.' })
  generator!: 'ai' | 'fallback';
  @ApiProperty({ example: ['one-does-not-simply', 'galaxy-brain'] }) templates!: readonly string[];
  @ApiProperty({ example: 1, description: 'Premium memes cost the format\'s tokens times this, rounded up.' }) costMultiplier!: number;
}

@ApiTags('subscriptions')
@ApiBearerAuth()
@Controller('premium')
export class PremiumController {
  constructor(@Inject(APP_CONFIG) private readonly config: RuntimeConfig) {}

  @Get()
  @Premium()
  @ApiOperation({ summary: 'What your premium subscription gives you (subscribers only)' })
  @ApiOkResponse({ type: PremiumOfferDto })
  @ApiResponse({ status: 403, description: 'premium_required: no active premium subscription.' })
  offer(): PremiumOfferDto {
    return { generator: this.config.ai.baseUrl ? 'ai' : 'fallback', templates: PREMIUM_TEMPLATE_IDS, costMultiplier: this.config.premiumCostMultiplier };
  }
}
