import { Body, Controller, Get, Param, Post, Res, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { AdminOnly, BodyValidationPipe, UserIdPipe } from '@maas/core';
import { Balance } from './balance';
import { BalanceDto } from './dto/balance.dto';
import { CreditTokensDto } from './dto/credit-tokens.dto';
import { TokensService } from './tokens.service';

@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@Controller('admin/users/:userId')
export class AdminTokensController {
  constructor(private readonly tokens: TokensService) {}

  @Post('tokens')
  @UsePipes(BodyValidationPipe)
  @ApiOperation({ summary: 'Credit purchased tokens (idempotent by reference)' })
  @ApiCreatedResponse({ type: BalanceDto, description: 'Credited.' })
  @ApiOkResponse({ type: BalanceDto, description: 'This reference was credited before; nothing added.' })
  async credit(
    @Param('userId', UserIdPipe) userId: string,
    @Body() body: CreditTokensDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Balance> {
    const { balance, created } = await this.tokens.credit(userId, body.amount, body.reference);
    reply.status(created ? 201 : 200);
    return balance;
  }

  @Get('balance')
  @ApiOperation({ summary: "A user's token balance" })
  @ApiOkResponse({ type: BalanceDto })
  balance(@Param('userId', UserIdPipe) userId: string): Promise<Balance> {
    return this.tokens.balance(userId);
  }
}
