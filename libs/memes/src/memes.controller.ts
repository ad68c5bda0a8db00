import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { AppError, Caller, idempotencyKeyProblem, Principal } from '@maas/core';
import { MAX_QUERY_LENGTH, MEME_FORMATS, parseMemeQuery } from './meme-query';
import { DeliveryTracker } from './delivery-tracker';
import { MemeDto, StoredMemeDto } from './meme.dto';
import { Meme, MemesService, StoredMeme, UNDELIVERED_LIMIT } from './memes.service';

const TOKENS_REMAINING_HEADER = 'Tokens-Remaining';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

@ApiTags('memes')
@ApiBearerAuth()
@Controller('memes')
export class MemesController {
  constructor(
    private readonly memes: MemesService,
    private readonly deliveries: DeliveryTracker,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Get a meme (spends tokens)',
    description: `Costs per format come from configuration (text: MEME_COST_TEXT, default 1). The remaining balance is in the body (\`remaining\`) and the \`${TOKENS_REMAINING_HEADER}\` header. Bad input is never charged.`,
  })
  @ApiQuery({ name: 'lat', example: '48.8566', description: 'Latitude, a plain decimal from -90 to 90' })
  @ApiQuery({ name: 'lon', example: '2.3522', description: 'Longitude, a plain decimal from -180 to 180' })
  @ApiQuery({ name: 'query', example: 'deploy on Friday', description: `1-${MAX_QUERY_LENGTH} characters, no control characters` })
  @ApiQuery({ name: 'format', required: false, enum: MEME_FORMATS, description: 'Default: text' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Your id for this request (1-255 printable characters). Retries with the same key get the first answer again, charged once, with `Idempotent-Replayed: true`; the same key with other parameters is a 422.',
  })
  @ApiOkResponse({ type: MemeDto, description: 'The meme, with the caller\'s remaining balance.' })
  @ApiResponse({ status: 422, description: 'idempotency_key_reused' })
  @ApiResponse({ status: 402, description: 'insufficient_tokens: body has `balance` and `cost`.' })
  @ApiResponse({ status: 404, description: 'account_not_found: the caller has never been credited.' })
  async get(
    @Caller() caller: Principal,
    @Query() raw: Record<string, unknown>,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Meme> {
    const parsed = parseMemeQuery(raw);
    const keyProblem = idempotencyKeyProblem(idempotencyKey);
    const problems = [...(parsed.ok ? [] : parsed.errors), ...(keyProblem ? [keyProblem] : [])];
    if (!parsed.ok || problems.length > 0) throw AppError.invalid(problems);
    const { meme, replayed } = await this.memes.create(caller.userId, parsed.value, idempotencyKey);
    reply.header(TOKENS_REMAINING_HEADER, meme.remaining);
    if (replayed) reply.header('Idempotent-Replayed', 'true');
    this.markDeliveredWhenSent(reply, caller.userId, meme.id);
    return meme;
  }

  @Get('undelivered')
  @ApiOperation({
    summary: 'Memes you paid for whose answer never reached you',
    description: `Newest first, at most ${UNDELIVERED_LIMIT}. A meme leaves the list once an answer carrying it (GET /memes/{id}, or a retry with its Idempotency-Key) has been sent.`,
  })
  @ApiOkResponse({ type: StoredMemeDto, isArray: true })
  undelivered(@Caller() caller: Principal): Promise<StoredMeme[]> {
    return this.memes.undelivered(caller.userId);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of your memes, again (free)' })
  @ApiOkResponse({ type: StoredMemeDto })
  @ApiResponse({ status: 404, description: 'meme_not_found: no meme of yours has this id.' })
  async find(
    @Caller() caller: Principal,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StoredMeme> {
    if (!UUID.test(id)) throw new AppError('meme_not_found');
    const meme = await this.memes.find(caller.userId, id);
    if (meme.deliveredAt === null) this.markDeliveredWhenSent(reply, caller.userId, id);
    return meme;
  }

  /** 'finish': the whole answer was handed to the network. A caller gone before that never got it. */
  private markDeliveredWhenSent(reply: FastifyReply, userId: string, memeId: string): void {
    reply.raw.once('finish', () => this.deliveries.delivered(userId, memeId));
  }
}
