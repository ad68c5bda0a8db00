import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error';

/** Deeper JSON is refused before it is parsed: the validators walk bodies recursively. */
export const MAX_JSON_DEPTH = 32;

/** Whether the request carries a body Fastify would read (GET and HEAD bodies never are). */
export function carriesBody(request: FastifyRequest): boolean {
  if (request.method === 'GET' || request.method === 'HEAD') return false;
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

const HEX = new Int8Array(128).fill(-1);
for (let digit = 0; digit < 16; digit++) {
  HEX['0123456789abcdef'.charCodeAt(digit)] = digit;
  HEX['0123456789ABCDEF'.charCodeAt(digit)] = digit;
}

function hexAt(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? HEX[code] : -1;
}

/**
 * Whether `text[from..]` is validly percent-encoded UTF-8, exactly as decodeURIComponent would
 * accept it (no truncated or non-hex escapes, overlong forms, surrogates or code points past
 * U+10FFFF), without allocating: it runs on every query string that holds a `%`.
 */
export function isWellEncoded(text: string, from = 0): boolean {
  let pending = 0; // continuation bytes still owed by the current sequence
  let low = 0x80; // the range the next continuation byte must fall in
  let high = 0xbf;
  let last = -3;
  for (let index = text.indexOf('%', from); index !== -1; last = index, index = text.indexOf('%', index + 3)) {
    const upper = hexAt(text, index + 1);
    const lower = hexAt(text, index + 2);
    if (upper < 0 || lower < 0) return false;
    const byte = (upper << 4) | lower;
    if (pending > 0) {
      // The escapes of one sequence follow each other: a literal character between breaks it.
      if (index !== last + 3 || byte < low || byte > high) return false;
      pending--;
      low = 0x80;
      high = 0xbf;
    } else if (byte >= 0x80) {
      if (byte >= 0xc2 && byte <= 0xdf) pending = 1;
      else if (byte >= 0xe0 && byte <= 0xef) pending = 2;
      else if (byte >= 0xf0 && byte <= 0xf4) pending = 3;
      else return false;
      // Overlong forms, surrogates (U+D800-DFFF) and code points past U+10FFFF.
      if (byte === 0xe0) low = 0xa0;
      else if (byte === 0xed) high = 0x9f;
      else if (byte === 0xf0) low = 0x90;
      else if (byte === 0xf4) high = 0x8f;
    }
  }
  return pending === 0;
}

/**
 * Refuses a query string that is not validly percent-encoded UTF-8: Fastify's parser would keep
 * such a value raw (`%FF` stays "%FF"), and a route would take it for the caller's text.
 */
export function refuseMalformedQueryStrings(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const url = request.url;
    const query = url.indexOf('?');
    if (query !== -1 && !isWellEncoded(url, query + 1)) {
      done(AppError.invalid([{ field: 'querystring', message: 'must be valid percent-encoded UTF-8' }]));
      return;
    }
    done();
  });
}

/** The deepest nesting of arrays and objects in a JSON text, up to `limit` + 1 (it stops there). */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 92) index++; // backslash: the next character is escaped
      else if (code === 34) inString = false;
    } else if (code === 34) {
      inString = true;
    } else if (code === 91 || code === 123) {
      if (++depth > limit) return depth;
      if (depth > deepest) deepest = depth;
    } else if (code === 93 || code === 125) {
      depth--;
    }
  }
  return deepest;
}

/**
 * Bodies are uncompressed JSON only, nested at most MAX_JSON_DEPTH deep: every other media type
 * (forms, multipart, text) is a 415 from Fastify, any Content-Encoding but identity a 415 here,
 * both before the body is read. Fastify's own JSON parser (which refuses `__proto__` and
 * `constructor.prototype` keys) parses what passes.
 */
export function acceptJsonBodiesOnly(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body: string, done) => {
    if (jsonDepth(body) > MAX_JSON_DEPTH) {
      done(AppError.invalid([{ field: 'body', message: `must not nest arrays and objects deeper than ${MAX_JSON_DEPTH} levels` }]), undefined);
      return;
    }
    parseJson(request, body, done);
  });
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity' && carriesBody(request)) {
      done(new AppError('unsupported_media_type', 'Request bodies must not be compressed (Content-Encoding).'));
      return;
    }
    done(null, payload);
  });
}
