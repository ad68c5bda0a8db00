import { BlockList, isIPv4 } from 'node:net';
import { FastifyInstance, FastifyRequest } from 'fastify';
import { ERRORS } from '../errors/error-codes';

const MINUTE_MS = 60_000;

interface Window {
  hits: number;
  readonly endsAt: number;
}

/**
 * Hits per client address in a one-minute window that opens at the address's first hit. Counted
 * in this process only: no round trip to Redis on the public routes, so each instance admits up
 * to the limit on its own.
 */
export class PublicRateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    // Ended windows are dropped once a minute, so the map holds only the last minute's addresses.
    this.sweeper = setInterval(() => this.sweep(), MINUTE_MS).unref();
  }

  /** Counts one hit; answers the seconds until the address may retry, or 0 when admitted. */
  hit(address: string): number {
    const now = this.now();
    let window = this.windows.get(address);
    if (!window || window.endsAt <= now) {
      window = { hits: 0, endsAt: now + MINUTE_MS };
      this.windows.set(address, window);
    }
    window.hits++;
    return window.hits <= this.perMinute ? 0 : Math.max(1, Math.ceil((window.endsAt - now) / 1000));
  }

  sweep(): void {
    const now = this.now();
    for (const [address, window] of this.windows) if (window.endsAt <= now) this.windows.delete(address);
  }

  get tracked(): number {
    return this.windows.size;
  }

  stop(): void {
    clearInterval(this.sweeper);
  }
}

/**
 * Limits what anyone can ask without a valid token, per client IP (`request.ip`: the socket's
 * address, or the X-Forwarded-For client when the socket is a trusted proxy): every request
 * without an Authorization header, whatever its route (short links, files, health, metrics,
 * unknown paths), and every request answered 401. Users with a valid token are limited per user
 * by UserThrottlerGuard instead, so a busy address never locks them out.
 *
 * A trusted proxy's own health checks (no X-Forwarded-For) are never refused: a load balancer
 * must not take an instance out of rotation because public traffic was refused.
 */
export function limitPublicRequests(fastify: FastifyInstance, { perMinute, trustedProxies }: PublicLimitOptions): void {
  if (perMinute === 0) return;
  const limiter = new PublicRateLimiter(perMinute);
  const isProxy = proxyMatcher(trustedProxies);
  fastify.addHook('onClose', (_instance, done) => {
    limiter.stop();
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.headers.authorization !== undefined) return done();
    if (request.url.startsWith('/health/') && request.headers['x-forwarded-for'] === undefined && isProxy(request.socket.remoteAddress)) {
      return done();
    }
    const retryAfter = limiter.hit(request.ip);
    if (retryAfter === 0) return done();
    void reply.code(429).headers(refusal(retryAfter)).send(problem(request));
  });
  // A 401 is known only once the token was checked: the answer becomes a 429 once the address is over.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode !== 401 || request.headers.authorization === undefined) return done(null, payload);
    const retryAfter = limiter.hit(request.ip);
    if (retryAfter === 0) return done(null, payload);
    reply.removeHeader('www-authenticate');
    void reply.code(429).headers(refusal(retryAfter));
    done(null, JSON.stringify(problem(request)));
  });
}

export interface PublicLimitOptions {
  readonly perMinute: number;
  /** The same list given to Fastify's `trustProxy`. */
  readonly trustedProxies: readonly string[];
}

function proxyMatcher(proxies: readonly string[]): (address: string | undefined) => boolean {
  const list = new BlockList();
  for (const proxy of proxies) {
    const [address, prefix] = proxy.split('/') as [string, string | undefined];
    const family = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return (address) => {
    if (address === undefined || proxies.length === 0) return false;
    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
    const plain = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
    return list.check(plain, isIPv4(plain) ? 'ipv4' : 'ipv6');
  };
}

function refusal(retryAfterSeconds: number): Record<string, string> {
  return { 'retry-after': String(retryAfterSeconds), 'content-type': 'application/problem+json; charset=utf-8' };
}

/** The body ProblemFilter gives every `rate_limited` answer (this one is sent before Nest sees the request). */
function problem(request: FastifyRequest): Record<string, unknown> {
  const { status, title } = ERRORS.rate_limited;
  return {
    type: 'urn:maas:problem:rate_limited',
    title,
    status,
    code: 'rate_limited',
    detail: 'Too many requests without a valid token from this address.',
    instance: request.url.split('?', 1)[0],
    requestId: request.id,
  };
}
