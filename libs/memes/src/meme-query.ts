import { FieldProblem, REQUESTABLE_FORMATS, RequestedFormat } from '@maas/core';

export interface MemeQuery {
  readonly lat: number;
  readonly lon: number;
  readonly query: string;
  /** As asked (or the configured default): `random` is resolved when the meme is made. */
  readonly format: RequestedFormat;
}

export const MAX_QUERY_LENGTH = 200;
const KNOWN_PARAMETERS = new Set(['lat', 'lon', 'query', 'format']);
/**
 * Plain decimals only: no exponent, hex, NaN, Infinity, spaces or empty strings. At most 10
 * decimals (about 0.01 mm): with more, a value just past a limit (90.000000000000001) would round
 * to the limit and slip through the range check.
 */
const DECIMAL = /^-?\d{1,3}(?:\.\d{1,10})?$/;
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

export type ParseResult = { readonly ok: true; readonly value: MemeQuery } | { readonly ok: false; readonly errors: FieldProblem[] };

/**
 * Validates `GET /memes` parameters by hand: this is the hot path, and a hand-written check is
 * far cheaper than class-validator (see REFERENCE.md). Every problem is reported, per field.
 */
export function parseMemeQuery(raw: Readonly<Record<string, unknown>>, defaultFormat: RequestedFormat = 'text'): ParseResult {
  const errors: FieldProblem[] = [];
  for (const name of Object.keys(raw)) {
    if (!KNOWN_PARAMETERS.has(name)) errors.push({ field: name, message: 'is not a known parameter' });
  }
  const lat = coordinate(raw.lat, 'lat', 90, errors);
  const lon = coordinate(raw.lon, 'lon', 180, errors);
  const query = text(raw.query, errors);
  const format = formatOf(raw.format, defaultFormat, errors);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { lat: lat as number, lon: lon as number, query: query as string, format: format as RequestedFormat } };
}

function single(value: unknown, field: string, errors: FieldProblem[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    errors.push({ field, message: 'must be given once' });
    return undefined;
  }
  return value;
}

function coordinate(value: unknown, field: string, limit: number, errors: FieldProblem[]): number | undefined {
  const raw = single(value, field, errors);
  const range = `a decimal number from -${limit} to ${limit}`;
  if (raw === undefined) {
    if (value === undefined) errors.push({ field, message: `is required: ${range}` });
    return undefined;
  }
  const number = DECIMAL.test(raw) ? Number(raw) : NaN;
  if (!(Math.abs(number) <= limit)) {
    errors.push({ field, message: `must be ${range}` });
    return undefined;
  }
  return number === 0 ? 0 : number;
}

function text(value: unknown, errors: FieldProblem[]): string | undefined {
  const raw = single(value, 'query', errors);
  if (raw === undefined) {
    if (value === undefined) errors.push({ field: 'query', message: 'is required' });
    return undefined;
  }
  const query = raw.trim();
  const length = [...query].length;
  if (length < 1 || length > MAX_QUERY_LENGTH) {
    errors.push({ field: 'query', message: `must be 1 to ${MAX_QUERY_LENGTH} characters after trimming` });
  } else if (CONTROL.test(query)) {
    errors.push({ field: 'query', message: 'must not contain control characters' });
  } else if (!query.isWellFormed()) {
    errors.push({ field: 'query', message: 'must be valid Unicode text' });
  } else {
    return query;
  }
  return undefined;
}

function formatOf(value: unknown, defaultFormat: RequestedFormat, errors: FieldProblem[]): RequestedFormat | undefined {
  const raw = single(value, 'format', errors);
  if (raw === undefined) return value === undefined ? defaultFormat : undefined;
  if ((REQUESTABLE_FORMATS as readonly string[]).includes(raw)) return raw as RequestedFormat;
  errors.push({ field: 'format', message: `must be one of: ${REQUESTABLE_FORMATS.join(', ')}` });
  return undefined;
}
