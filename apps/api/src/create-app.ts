import { randomBytes } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as Pino } from 'pino';
import { authenticateBeforeBody, AuthenticatedRequest, createPino, limitPublicRequests, PinoLoggerService, RuntimeConfig, TokenService } from '@maas/core';
import { storedObjectsDir } from '@maas/memes';
import { serveStoredObjects } from '@maas/storage';
import { AppModule } from './app.module';
import { hardenedServerOptions, hardenRequests, securityHeaders } from './http-hardening';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const BODY_LIMIT_BYTES = 16 * 1024;

/**
 * This process's request ids: a random prefix, new at every start, and a counter. Unique across
 * instances and restarts, and cheaper to make than a UUID.
 */
function requestIds(): () => string {
  const prefix = randomBytes(9).toString('base64url');
  let issued = 0;
  return () => `${prefix}.${(++issued).toString(36)}`;
}

/** Builds the API (not yet listening): used by main.ts, the e2e tests and the benchmark. */
export async function createApp(config: RuntimeConfig, pino: Pino = createPino(config.logLevel)): Promise<NestFastifyApplication> {
  const nextRequestId = requestIds();
  const headers = securityHeaders(config);
  const adapter = new FastifyAdapter({
    ...hardenedServerOptions(config, headers, nextRequestId),
    // Fastify's own logger would make a child logger for every request; one line per request,
    // written by the hook below with the root logger, costs less.
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // No Nest middleware here (guards, filters and Fastify hooks do that work): without it, Nest
    // would register @fastify/middie, one more hook on every request.
    skipMiddie: true,
    // X-Forwarded-For names the client only when it comes from a configured proxy.
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    // Honour a caller's or proxy's request id when it is sane, so logs correlate across hops.
    genReqId: (request: IncomingMessage) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : nextRequestId();
    },
  });
  const fastify = adapter.getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id).headers(request.url.startsWith('/docs') ? headers.docs : headers.api);
    done();
  });
  hardenRequests(fastify);
  limitPublicRequests(fastify, { perMinute: config.publicRateLimitPerMinute, trustedProxies: config.trustedProxies });
  // One log line per request. The query string is left out: it carries user text.
  fastify.addHook('onResponse', (request, reply, done) => {
    pino.info(
      {
        reqId: request.id,
        method: request.method,
        path: request.url.split('?', 1)[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        user: (request as AuthenticatedRequest).principal?.userId,
      },
      'request',
    );
    done();
  });

  // Local storage: the memes' files are served here (S3 storage: short links redirect there).
  if (config.storage.driver === 'filesystem') await serveStoredObjects(fastify, storedObjectsDir(config));

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new PinoLoggerService(pino),
    // Bodies are parsed by hardenRequests' JSON-only parser, not Nest's (which also takes forms).
    bodyParser: false,
    // A failed start reaches the caller (main prints it in one line), instead of Nest exiting.
    abortOnError: false,
  });
  authenticateBeforeBody(fastify, app.get(TokenService));
  if (config.docsEnabled) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('MaaS: Memes as a Service')
        .setDescription('Prepaid-token meme API. Errors are RFC 9457 problem+json with a stable `code`.')
        .setVersion('1')
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', raw: ['json'] });
  }
  return app;
}
