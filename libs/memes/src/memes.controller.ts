import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { APP_CONFIG, AppError, Caller, callerOf, idempotencyKeyProblem, Principal, REQUESTABLE_FORMATS, RuntimeConfig } from '@maas/core';
import { MAX_QUERY_LENGTH, parseMemeQuery } from './meme-query';
import { DeliveryTracker } from './delivery-tracker';
import { MemeDto, StoredMemeDto } from './meme.dto';
import { decodeCursor, encodeCursor, pageLimit } from './undelivered-cursor';
import { PremiumAware, PremiumAwareRequest } from './premium/premium.guard';
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
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Get a meme (spends tokens)',
    description: `Costs per format come from configuration: text MEME_COST_TEXT (default 1), image MEME_COST_IMAGE (default 3), video MEME_COST_VIDEO (default 10); \`random\` picks one of the three and costs what it picked. Image and video memes are short links (\`/m/<code>\`). A format made while you wait answers 200; a slow one (video, by default) is charged, then made: it answers 202 with \`status: "pending"\`, a \`Location\` header and \`statusUrl\` to poll (or a webhook), and is refunded if it cannot be made. Handle both answers for any format. Premium subscribers (an active subscription; the token's \`tier: "premium"\` claim alone is not enough) get AI memes (\`generator: "ai"\`), or the richer local generator when AI is unavailable or not configured (\`generator: "fallback"\`), at the format's cost times PREMIUM_COST_MULTIPLIER (default 1). The remaining balance is in the body (\`remaining\`) and the \`${TOKENS_REMAINING_HEADER}\` header. Bad input is never charged.`,
  })
  @ApiQuery({ name: 'lat', example: '48.8566', description: 'Latitude, a plain decimal from -90 to 90' })
  @ApiQuery({ name: 'lon', example: '2.3522', description: 'Longitude, a plain decimal from -180 to 180' })
  @ApiQuery({ name: 'query', example: 'deploy on Friday', description: `1-${MAX_QUERY_LENGTH} characters, no control characters` })
  @ApiQuery({ name: 'format', required: false, enum: REQUESTABLE_FORMATS, description: 'Default: DEFAULT_FORMAT (text unless configured)' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Your id for this request (1-255 printable characters). Retries with the same key get the first answer again, charged once, with `Idempotent-Replayed: true`; the same key with other parameters is a 422.',
  })
  @ApiOkResponse({ type: MemeDto, description: 'The meme, with the caller\'s remaining balance.' })
  @ApiResponse({ status: 202, type: MemeDto, description: 'Paid for and being made: poll `statusUrl` (also in `Location`).' })
  @ApiResponse({ status: 422, description: 'idempotency_key_reused' })
  @ApiResponse({ status: 402, description: 'insufficient_tokens: body has `balance` and `cost` (the cost of the format asked for).' })
  @ApiResponse({ status: 404, description: 'account_not_found: the caller has never been credited.' })
  @PremiumAware()
  async get(
    // The one parameter Nest resolves: each costs this hot route a promise, and the reply has the
    // request (with the caller and the premium answer the guards put there).
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Meme> {
    const request = reply.request as PremiumAwareRequest;
    const caller = callerOf(request);
    const parsed = parseMemeQuery(request.query as Record<string, unknown>, this.config.defaultFormat);
    const idempotencyKey = request.headers['idempotency-key'] as string | undefined;
    const keyProblem = idempotencyKeyProblem(idempotencyKey);
    if (!parsed.ok || keyProblem) throw AppError.invalid([...(parsed.ok ? [] : parsed.errors), ...(keyProblem ? [keyProblem] : [])]);
    const access = { claimsPremium: caller.claimsPremium === true, premium: request.premium ?? false };
    const { meme, replayed } = await this.memes.create(caller.userId, parsed.value, idempotencyKey, access);
    reply.header(TOKENS_REMAINING_HEADER, meme.remaining);
    if (replayed) reply.header('Idempotent-Replayed', 'true');
    if (meme.status === 'pending') reply.status(202).header('Location', meme.statusUrl).header('Retry-After', '2');
    this.markDeliveredWhenSent(reply, caller.userId, meme.id);
    return meme;
  }

  @Get('undelivered')
  @ApiOperation({
    summary: 'Memes you paid for whose answer never reached you',
    description: `Newest first, \`limit\` per page (1-${UNDELIVERED_LIMIT}, default ${UNDELIVERED_LIMIT}). When there are more, the \`Link\` header names the next page (\`rel="next"\`, with a \`cursor\`). A meme leaves the list once an answer carrying it (GET /memes/{id}, or a retry with its Idempotency-Key) has been sent.`,
  })
  @ApiQuery({ name: 'limit', required: false, description: `1-${UNDELIVERED_LIMIT}` })
  @ApiQuery({ name: 'cursor', required: false, description: 'From the Link header of the previous page' })
  @ApiOkResponse({ type: StoredMemeDto, isArray: true })
  async undelivered(
    @Caller() caller: Principal,
    @Query('limit') limit: unknown,
    @Query('cursor') cursor: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<readonly StoredMeme[]> {
    const size = pageLimit(limit, UNDELIVERED_LIMIT);
    const page = await this.memes.undelivered(caller.userId, size, decodeCursor(cursor));
    if (page.next) reply.header('Link', `</memes/undelivered?limit=${size}&cursor=${encodeCursor(page.next)}>; rel="next"`);
    return page.memes;
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of your memes, again (free); the progress of a pending one' })
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
