import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, Principal } from '@maas/core';
import { Balance } from './balance';
import { BalanceDto } from './dto/balance.dto';
import { TokensService } from './tokens.service';

@ApiTags('tokens')
@ApiBearerAuth()
@Controller('tokens')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @Get('balance')
  @ApiOperation({ summary: "The caller's token balance" })
  @ApiOkResponse({ type: BalanceDto })
  balance(@Caller() caller: Principal): Promise<Balance> {
    return this.tokens.balance(caller.userId);
  }
}
