import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { Caller, Principal } from '@maas/core';
import { Balance } from './balance';
import { BalanceDto } from './dto/balance.dto';
import { TransactionDto, TransactionsQueries } from './dto/transaction.dto';
import { Transaction, Transactions } from './transactions';
import { answerTransactions, TransactionsQuery } from './transactions-query';
import { TokensService } from './tokens.service';

@ApiTags('tokens')
@ApiBearerAuth()
@Controller('tokens')
export class TokensController {
  constructor(
    private readonly tokens: TokensService,
    private readonly transactions: Transactions,
  ) {}

  @Get('balance')
  @ApiOperation({ summary: "The caller's token balance" })
  @ApiOkResponse({ type: BalanceDto })
  balance(@Caller() caller: Principal): Promise<Balance> {
    return this.tokens.balance(caller.userId);
  }

  @Get('transactions')
  @TransactionsQueries()
  @ApiOkResponse({ type: TransactionDto, isArray: true })
  list(
    @Caller() caller: Principal,
    @Query() query: TransactionsQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<readonly Transaction[] | string> {
    return answerTransactions(this.transactions, caller.userId, '/tokens/transactions', query, reply);
  }
}
