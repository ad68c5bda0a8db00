import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, Stripe-style. Every delivery carries
 *
 *   Maas-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The key is the endpoint's secret exactly as shown to the user, `whsec_` prefix included. The
 * timestamp is signed with the body, so a captured request cannot be replayed later with a new
 * timestamp; receivers reject timestamps outside a tolerance (5 minutes) and dedupe on the
 * `Maas-Delivery` header, since a delivery can arrive more than once (a retry after a lost answer).
 *
 * Receivers' reference implementation (this function, Express shown):
 *
 *   app.post('/maas-webhook', express.raw({ type: 'application/json' }), (req, res) => {
 *     if (!verifyWebhookSignature(req.get('Maas-Signature'), process.env.MAAS_WEBHOOK_SECRET, req.body)) {
 *       return res.sendStatus(400);
 *     }
 *     const event = JSON.parse(req.body.toString('utf8'));  // { id, type, createdAt, data }
 *     if (alreadySeen(event.id)) return res.sendStatus(200);
 *     res.sendStatus(200); // answer fast (2xx within the timeout), work afterwards
 *   });
 *
 * Verify over the raw bytes as received: JSON parsed and serialized again may differ by one byte
 * and fail. A receiver in another language does the same four steps: split the header on ',' and
 * '=', check |now - t| <= tolerance, compute HMAC-SHA256 over "<t>.<raw body>", compare in
 * constant time with any v1 value (several may be present while a secret is being rotated).
 */

export const SIGNATURE_HEADER = 'Maas-Signature';

const SECRET_PREFIX = 'whsec_';
/** Bounds the work an attacker can make a receiver do with a forged header. */
const MAX_HEADER_LENGTH = 1024;

/** A new endpoint secret: `whsec_` + 32 random bytes in base64url (43 characters). */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url');
}

/** The `Maas-Signature` header value for this body, signed at `timestampSeconds`. */
export function signWebhook(secret: string, timestampSeconds: number, rawBody: string | Uint8Array): string {
  requireSecret(secret);
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError('timestampSeconds must be a non-negative integer (unix seconds)');
  }
  return `t=${timestampSeconds},v1=${hmac(secret, timestampSeconds, rawBody).toString('hex')}`;
}

export interface VerifyOptions {
  /** How far the signed timestamp may be from now, either way. Default 300. */
  readonly toleranceSeconds?: number;
  /** The receiver's clock; default the current time. */
  readonly now?: Date;
}

/**
 * True only for a well-formed header whose timestamp is within tolerance and one of whose v1
 * signatures matches `rawBody` under `secret`. Never throws on attacker-controlled input; throws on
 * an empty secret, a receiver's misconfiguration that would otherwise accept bodies signed with
 * the empty key.
 */
export function verifyWebhookSignature(header: string | undefined | null, secret: string, rawBody: string | Uint8Array, options: VerifyOptions = {}): boolean {
  requireSecret(secret);
  const toleranceSeconds = options.toleranceSeconds ?? 300;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) throw new RangeError('toleranceSeconds must be a non-negative number');
  const parsed = parseHeader(header);
  if (!parsed) return false;
  const nowSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - parsed.timestamp) > toleranceSeconds) return false;
  const expected = hmac(secret, parsed.timestamp, rawBody);
  let matched = false;
  for (const signature of parsed.signatures) matched = timingSafeEqual(signature, expected) || matched;
  return matched;
}

function parseHeader(header: string | undefined | null): { timestamp: number; signatures: Buffer[] } | undefined {
  if (typeof header !== 'string' || header.length > MAX_HEADER_LENGTH) return undefined;
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator <= 0) return undefined;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-fA-F]{64}$/.test(value)) return undefined;
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Other schemes (a future v2) are skipped, so receivers keep working while both are sent.
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
}

function hmac(secret: string, timestampSeconds: number, rawBody: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(rawBody).digest();
}

function requireSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('the webhook secret must be a non-empty string');
}
