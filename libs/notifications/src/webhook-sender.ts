import { LookupAddress, LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { LookupFunction } from 'node:net';
import { hostOf, parseWebhookUrl, vetWebhookHost } from './webhook-url';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature';

export const DELIVERY_HEADER = 'Maas-Delivery';
export const WEBHOOK_USER_AGENT = 'maas-webhooks/1';

/** Enough to see an error page's first lines in a debugger; the rest is never read. */
const MAX_RESPONSE_BYTES = 4096;
/** setTimeout fires at once past this. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface WebhookRequest {
  readonly url: string;
  /** The endpoint's secret (`whsec_…`), the HMAC key of `Maas-Signature`. */
  readonly secret: string;
  /** Becomes `type` in the body, e.g. `meme.ready`. */
  readonly event: string;
  /** Becomes `data` in the body; must be JSON-serializable. */
  readonly payload: object;
  /** One budget for DNS, connect, TLS, sending and the answer. */
  readonly timeoutMs: number;
  readonly allowPrivateNetworks: boolean;
  /** Stable across retries of one delivery: receivers dedupe on it. */
  readonly deliveryId: string;
}

export type WebhookResult =
  | { delivered: true; status: number }
  | { delivered: false; retryable: boolean; reason: string; status?: number };

/**
 * One delivery attempt; the job queue owns retries and backoff. Never throws: every outcome is a
 * result, with `retryable` saying whether another attempt can succeed.
 *
 * | outcome                                   | delivered | retryable |
 * |-------------------------------------------|-----------|-----------|
 * | 2xx                                       | yes       | –         |
 * | 408, 429, 5xx                             | no        | yes       |
 * | network error, TLS error, timeout         | no        | yes       |
 * | DNS failure (no such host, DNS down)      | no        | yes       |
 * | 3xx (redirects are never followed)        | no        | no        |
 * | other 4xx, other status                   | no        | no        |
 * | URL invalid, or resolves to non-public IP | no        | no        |
 *
 * A redirect is not retried: the same URL answers the same redirect, and following it would
 * bypass the address check (a Location can point anywhere, 169.254.169.254 included) and turn
 * the POST into a GET on 301/302. The user must register the final URL. DNS failures are retried
 * because records do vanish for minutes during a receiver's redeploy; the queue's attempt cap
 * bounds that. A host that now resolves to a private address is not retried: that is either a
 * rebinding attempt or a misconfiguration only the user can fix.
 */
export async function sendWebhook(request: WebhookRequest): Promise<WebhookResult> {
  const deadline = Date.now() + request.timeoutMs;
  if (!(request.timeoutMs > 0 && request.timeoutMs <= MAX_TIMEOUT_MS)) return refused(`timeoutMs must be between 1 and ${MAX_TIMEOUT_MS}`);
  const policy = { allowPrivateNetworks: request.allowPrivateNetworks };
  const parsed = parseWebhookUrl(request.url, policy);
  if (!parsed.ok) return refused(parsed.reason);
  const vetted = await vetWebhookHost(parsed.url, policy, request.timeoutMs);
  if (!vetted.ok) return { delivered: false, retryable: vetted.dnsFailure, reason: vetted.reason };

  let body: Buffer;
  let headers: Record<string, string>;
  try {
    const now = new Date();
    body = Buffer.from(JSON.stringify({ id: request.deliveryId, type: request.event, createdAt: now.toISOString(), data: request.payload }), 'utf8');
    headers = {
      Host: parsed.url.host,
      'Content-Type': 'application/json',
      'Content-Length': String(body.length),
      'User-Agent': WEBHOOK_USER_AGENT,
      [DELIVERY_HEADER]: request.deliveryId,
      [SIGNATURE_HEADER]: signWebhook(request.secret, Math.floor(now.getTime() / 1000), body),
    };
  } catch (error) {
    // A payload that is not JSON (a cycle, a BigInt) or an empty secret: the same next time.
    return refused(`the delivery cannot be built: ${(error as Error).message}`);
  }
  const remainingMs = deadline - Date.now();
  if (remainingMs <= 0) return timedOut(request.timeoutMs);
  return post(parsed.url, vetted.addresses, headers, body, remainingMs, request.timeoutMs);
}

function post(url: URL, addresses: LookupAddress[], headers: Record<string, string>, body: Buffer, remainingMs: number, timeoutMs: number): Promise<WebhookResult> {
  return new Promise((resolve) => {
    let request: http.ClientRequest | undefined;
    let status: number | undefined;
    let settled = false;
    const finish = (result: WebhookResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Closes the socket whatever state it is in; the rest of the response is discarded.
      request?.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish(status === undefined ? timedOut(timeoutMs) : byStatus(status)), remainingMs);
    try {
      request = (url.protocol === 'https:' ? https : http).request({
        method: 'POST',
        protocol: url.protocol,
        hostname: hostOf(url),
        port: url.port === '' ? undefined : Number(url.port),
        path: url.pathname + url.search,
        headers,
        // The host's vetted addresses and nothing else: Node would otherwise resolve the name
        // again, and a rebinding DNS server could answer 127.0.0.1 this time. The hostname still
        // goes into SNI, certificate verification and the Host header.
        lookup: pinnedLookup(addresses),
        // A fresh connection per attempt, closed afterwards: no pooled socket outlives the check.
        agent: false,
      });
    } catch (error) {
      // Thrown synchronously for a header value Node refuses, e.g. a deliveryId with a newline.
      finish(refused(`the request cannot be built: ${(error as Error).message}`));
      return;
    }
    request.on('response', (response) => {
      const answered = response.statusCode ?? 0;
      status = answered;
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= MAX_RESPONSE_BYTES) finish(byStatus(answered));
      });
      response.on('end', () => finish(byStatus(answered)));
      // The status line arrived: a body cut short does not change the verdict.
      response.on('error', () => finish(byStatus(answered)));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      finish(status === undefined ? { delivered: false, retryable: true, reason: `the request failed: ${error.code ?? error.message}` } : byStatus(status));
    });
    request.end(body);
  });
}

function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname: string, options: LookupOptions, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const candidates = family === 4 || family === 6 ? addresses.filter((entry) => entry.family === family) : addresses;
    if (candidates.length === 0) {
      const error: NodeJS.ErrnoException = new Error(`no vetted IPv${family} address`);
      error.code = 'ENOTFOUND';
      callback(error, '', undefined);
    } else if (options.all) callback(null, candidates);
    else callback(null, candidates[0].address, candidates[0].family);
  };
}

function byStatus(status: number): WebhookResult {
  if (status >= 200 && status < 300) return { delivered: true, status };
  if (status === 408 || status === 429 || (status >= 500 && status < 600)) {
    return { delivered: false, retryable: true, status, reason: `the receiver answered ${status}` };
  }
  if (status >= 300 && status < 400) {
    return { delivered: false, retryable: false, status, reason: `the receiver answered ${status}, a redirect; redirects are not followed, register the final URL` };
  }
  return { delivered: false, retryable: false, status, reason: `the receiver answered ${status}` };
}

function refused(reason: string): WebhookResult {
  return { delivered: false, retryable: false, reason };
}

function timedOut(timeoutMs: number): WebhookResult {
  return { delivered: false, retryable: true, reason: `no response within ${timeoutMs} ms` };
}
