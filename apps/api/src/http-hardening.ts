import type { FastifyHttpOptions, FastifyInstance } from 'fastify';
import type { Server } from 'node:http';
import {
  AppError,
  acceptJsonBodiesOnly,
  clientErrorHandler,
  frameworkErrorHandler,
  refuseMalformedQueryStrings,
  RuntimeConfig,
  sendProblem,
} from '@maas/core';

type Headers = Readonly<Record<string, string>>;

/**
 * GET routes a HEAD must not run: GET /memes spends tokens, and GET /memes/{id} marks the meme
 * delivered once its answer is sent (a HEAD's answer carries no meme). Fastify's implicit HEAD
 * would run the GET handler and drop the body.
 */
const HEADLESS_GET_ROUTES: readonly { readonly url: string; readonly why: string }[] = [
  { url: '/memes', why: 'GET spends tokens' },
  { url: '/memes/:id', why: 'GET delivers the meme' },
];

const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/**
 * The Swagger UI loads its scripts, styles and images from /docs itself; its page and its
 * components carry inline styles. Scripts stay same-origin only.
 */
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export interface SecurityHeaders {
  /** Every answer but the docs. */
  readonly api: Headers;
  /** /docs and its assets. */
  readonly docs: Headers;
}

/** Built once: every answer gets one of these two objects, never a new one. */
export function securityHeaders(config: Pick<RuntimeConfig, 'publicBaseUrl'>): SecurityHeaders {
  const common = {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    // Only where clients reach the API over https: HSTS over plain http would strand them.
    ...(config.publicBaseUrl.startsWith('https://') ? { 'strict-transport-security': 'max-age=31536000' } : {}),
  };
  return {
    api: Object.freeze({ ...common, 'content-security-policy': API_CSP }),
    docs: Object.freeze({ ...common, 'content-security-policy': DOCS_CSP }),
  };
}

/**
 * Server options that keep hostile clients cheap: the whole request (headers and body) must
 * arrive within REQUEST_TIMEOUT_MS, and what Node's parser or Fastify's router refuses is
 * answered as problem+json like everything else.
 */
export function hardenedServerOptions(
  config: Pick<RuntimeConfig, 'requestTimeoutMs'>,
  headers: SecurityHeaders,
  nextRequestId: () => string,
): Pick<FastifyHttpOptions<Server>, 'requestTimeout' | 'http' | 'frameworkErrors' | 'clientErrorHandler'> {
  return {
    requestTimeout: config.requestTimeoutMs,
    http: {
      headersTimeout: config.requestTimeoutMs,
      // Node looks for timed-out requests this often (30 s by default, far past the timeout).
      connectionsCheckingInterval: Math.min(1000, config.requestTimeoutMs),
    },
    frameworkErrors: frameworkErrorHandler(headers.api),
    clientErrorHandler: clientErrorHandler(headers.api, nextRequestId),
  };
}

/** Input rules for every route, registered before the routes themselves. */
export function hardenRequests(fastify: FastifyInstance): void {
  refuseMalformedQueryStrings(fastify);
  acceptJsonBodiesOnly(fastify);
  for (const { url, why } of HEADLESS_GET_ROUTES) {
    // Registered before Nest's GET, so Fastify does not add its implicit HEAD (which runs the GET).
    const refusal = `HEAD ${url.replace(':id', '{id}')} is not served: ${why}.`;
    fastify.head(url, (request, reply) => {
      sendProblem(request, reply, new AppError('method_not_allowed', refusal, {}, { Allow: 'GET' }));
    });
  }
}
