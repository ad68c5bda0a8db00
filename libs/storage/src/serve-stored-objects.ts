import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { STORED_OBJECTS_PREFIX } from './file-system.storage';
import { isValidObjectKey } from './object-key';
import { IMMUTABLE_CACHE_CONTROL } from './object-storage.port';

/**
 * Serves the objects of a FileSystemStorage on `root` at GET and HEAD `/objects/<key>`, with
 * Content-Type from the extension, ETag, Last-Modified, conditional requests and Range requests
 * (video seeking). Call it on the Nest app's Fastify instance before the app listens.
 *
 * Only paths that are valid object keys are looked up, so dotfiles (temporary files included),
 * directories and anything reaching outside `root` answer 404; @fastify/static itself refuses
 * `..`, encoded separators and other non-canonical paths with 403 before that.
 */
export async function serveStoredObjects(fastify: FastifyInstance, root: string): Promise<void> {
  const absoluteRoot = resolve(root);
  // @fastify/static checks the root when registered; before the first put it may not exist yet.
  await mkdir(absoluteRoot, { recursive: true });
  await fastify.register(fastifyStatic, {
    root: absoluteRoot,
    prefix: `${STORED_OBJECTS_PREFIX}/`,
    allowedPath: (pathname) => isValidObjectKey(pathname.slice(1)),
    dotfiles: 'ignore',
    index: false,
    list: false,
    redirect: false,
    // Set below instead, so the header is the exact string S3Storage stores with each object.
    cacheControl: false,
    setHeaders: (reply) => {
      reply.header('cache-control', IMMUTABLE_CACHE_CONTROL);
      reply.header('x-content-type-options', 'nosniff');
    },
    // The plugin would otherwise add reply.sendFile to the whole app, which nothing here needs
    // and which a second registration of the plugin elsewhere would then collide with.
    decorateReply: false,
  });
}
