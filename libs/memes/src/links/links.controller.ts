import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { AppError, Public } from '@maas/core';
import { MemePublisher } from '../media/meme-publisher';
import { SHORT_CODE } from './short-links';

@ApiTags('memes')
@Public()
@Controller('m')
export class LinksController {
  constructor(private readonly publisher: MemePublisher) {}

  @Get(':code')
  @ApiOperation({
    summary: 'Follow a short link to an image or video meme (no token needed: links are shared)',
    description: 'Redirects (302) to the stored object: a presigned URL with S3 storage, or this API\'s /objects/… with local storage.',
  })
  @ApiResponse({ status: 302, description: 'Location: the object.' })
  @ApiResponse({ status: 404, description: 'link_not_found: unknown, malformed or expired code.' })
  async follow(@Param('code') code: string, @Res() reply: FastifyReply): Promise<void> {
    const target = SHORT_CODE.test(code) ? await this.publisher.locate(code) : undefined;
    if (!target) throw new AppError('link_not_found');
    // A presigned URL expires: caches must ask again rather than keep the redirect.
    await reply.header('Cache-Control', 'no-store').redirect(target, 302);
  }
}
