import { Body, Controller, Get, Headers, Param, Post, Query, Res, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { AdminOnly, AppError, BodyValidationPipe, Caller, FieldProblem, idempotencyKeyProblem, Principal, UserIdPipe } from '@maas/core';
import { Balance } from './balance';
import { BalanceDto } from './dto/balance.dto';
import { CreditTokensDto } from './dto/credit-tokens.dto';
import { DailyUsage, SalesArchive } from './sales-archive';
import { TransactionDto, TransactionsQueries } from './dto/transaction.dto';
import { Transaction, Transactions } from './transactions';
import { answerTransactions, TransactionsQuery } from './transactions-query';
import { TokensService } from './tokens.service';

const DAY_MS = 24 * 3600 * 1000;
const MAX_DAYS = 366;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@Controller('admin/users/:userId')
export class AdminTokensController {
  constructor(
    private readonly tokens: TokensService,
    private readonly archive: SalesArchive,
    private readonly transactions: Transactions,
  ) {}

  @Post('tokens')
  @UsePipes(BodyValidationPipe)
  @ApiOperation({ summary: 'Credit purchased tokens (idempotent by reference)' })
  @ApiCreatedResponse({ type: BalanceDto, description: 'Credited.' })
  @ApiOkResponse({ type: BalanceDto, description: 'This reference was credited before; nothing added.' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Retries with the same key get the first answer again.' })
  @ApiResponse({ status: 409, description: 'purchase_reference_conflict, or idempotency_in_progress' })
  @ApiResponse({ status: 422, description: 'idempotency_key_reused' })
  async credit(
    @Caller() caller: Principal,
    @Param('userId', UserIdPipe) userId: string,
    @Body() body: CreditTokensDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Balance> {
    const keyProblem = idempotencyKeyProblem(idempotencyKey);
    if (keyProblem) throw AppError.invalid([keyProblem]);
    const idempotency = idempotencyKey === undefined ? undefined : { callerId: caller.userId, key: idempotencyKey };
    const { balance, created, replayed } = await this.tokens.credit(userId, body.amount, body.reference, idempotency);
    reply.status(created ? 201 : 200);
    if (replayed) reply.header('Idempotent-Replayed', 'true');
    return balance;
  }

  @Get('balance')
  @ApiOperation({ summary: "A user's token balance" })
  @ApiOkResponse({ type: BalanceDto })
  balance(@Param('userId', UserIdPipe) userId: string): Promise<Balance> {
    return this.tokens.balance(userId);
  }

  @Get('transactions')
  @TransactionsQueries("A user's")
  @ApiOkResponse({ type: TransactionDto, isArray: true })
  transactionsOf(
    @Param('userId', UserIdPipe) userId: string,
    @Query() query: TransactionsQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<readonly Transaction[] | string> {
    return answerTransactions(this.transactions, userId, `/admin/users/${encodeURIComponent(userId)}/transactions`, query, reply);
  }

  @Get('usage')
  @ApiOperation({ summary: "A user's usage per day and format (UTC), from the usage ledger" })
  @ApiQuery({ name: 'from', required: false, description: 'First day, YYYY-MM-DD (default: 29 days before `to`)' })
  @ApiQuery({ name: 'to', required: false, description: `Last day, YYYY-MM-DD (default: today); at most ${MAX_DAYS} days in all` })
  async usage(
    @Param('userId', UserIdPipe) userId: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
  ): Promise<{ userId: string; from: string; to: string; days: DailyUsage[] }> {
    const range = dayRange(from, to);
    const days = await this.archive.usageByDay(userId, range.start, new Date(range.end.getTime() + DAY_MS));
    return { userId, from: isoDay(range.start), to: isoDay(range.end), days };
  }
}

function dayRange(from: unknown, to: unknown): { start: Date; end: Date } {
  const problems: FieldProblem[] = [];
  const end = to === undefined ? new Date(isoDay(new Date())) : parseDay(to, 'to', problems);
  const start = from === undefined ? new Date(end.getTime() - 29 * DAY_MS) : parseDay(from, 'from', problems);
  if (problems.length === 0 && start > end) problems.push({ field: 'from', message: 'must not be after `to`' });
  if (problems.length === 0 && (end.getTime() - start.getTime()) / DAY_MS >= MAX_DAYS) {
    problems.push({ field: 'from', message: `the range must be at most ${MAX_DAYS} days` });
  }
  if (problems.length > 0) throw AppError.invalid(problems);
  return { start, end };
}

function parseDay(value: unknown, field: string, problems: FieldProblem[]): Date {
  const day = typeof value === 'string' && DAY.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
  if (!day || Number.isNaN(day.getTime()) || isoDay(day) !== value) {
    problems.push({ field, message: 'must be a date as YYYY-MM-DD' });
    return new Date(0);
  }
  return day;
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
