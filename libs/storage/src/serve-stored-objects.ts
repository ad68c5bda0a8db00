import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, sendProblem } from '@maas/core';
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
 *
 * A Range that cannot be served (malformed, reversed, past the end) is a 416 problem with
 * `Content-Range: bytes *\/<size>`; a failed If-Match or If-Unmodified-Since a 412 problem; a
 * suffix range longer than the file is the whole file (RFC 9110, 14.1.2).
 */
export async function serveStoredObjects(fastify: FastifyInstance, root: string): Promise<void> {
  const absoluteRoot = resolve(root);
  // @fastify/static checks the root when registered; before the first put it may not exist yet.
  await mkdir(absoluteRoot, { recursive: true });
  // Its own context, so the error handler below sees only the files' errors.
  await fastify.register(async (files) => {
    files.setErrorHandler((error: FastifyError, request, reply) => answerSendError(fastify, error, request, reply));
    files.addHook('onRequest', (request) => wholeFileForLongSuffix(request, absoluteRoot));
    await registerFiles(files, absoluteRoot);
  });
}

/**
 * The file sender reports a Range or precondition it cannot honour as an HTTP error; anything
 * else goes to the app's own error handler, looked up now (it is set after this registration).
 */
function answerSendError(app: FastifyInstance, error: FastifyError, request: FastifyRequest, reply: FastifyReply): unknown {
  if (error.statusCode === 416) {
    const contentRange = (error as FastifyError & { headers?: Record<string, string> }).headers?.['Content-Range'];
    sendProblem(request, reply, new AppError('range_not_satisfiable', undefined, {}, contentRange ? { 'Content-Range': contentRange } : {}));
    return undefined;
  }
  if (error.statusCode === 412) {
    sendProblem(request, reply, new AppError('precondition_failed'));
    return undefined;
  }
  return app.errorHandler(error, request, reply);
}

const SUFFIX_RANGE = /^bytes=-(\d{1,15})$/;

/** The file sender refuses `bytes=-N` with N past the size; the standard says: the whole file. */
async function wholeFileForLongSuffix(request: FastifyRequest, root: string): Promise<void> {
  const suffix = SUFFIX_RANGE.exec(request.headers.range ?? '');
  if (!suffix) return;
  const key = request.url.split('?', 1)[0].slice(STORED_OBJECTS_PREFIX.length + 1);
  if (!isValidObjectKey(key)) return;
  const size = await stat(join(root, key)).then(
    (stats) => (stats.isFile() ? stats.size : undefined),
    () => undefined,
  );
  if (size !== undefined && size > 0 && Number(suffix[1]) >= size) request.headers.range = 'bytes=0-';
}

async function registerFiles(fastify: FastifyInstance, absoluteRoot: string): Promise<void> {
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
