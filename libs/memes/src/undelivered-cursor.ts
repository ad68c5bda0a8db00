import { AppError } from '@maas/core';
import { SalePosition } from '@maas/tokens';

const POSITION = /^(\d{1,17})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** An opaque cursor naming where the next page of undelivered memes starts. */
export function encodeCursor(position: SalePosition): string {
  return Buffer.from(`${position.atMicros}.${position.id}`).toString('base64url');
}

/** The position a cursor names; a cursor this API did not hand out is a 400. */
export function decodeCursor(cursor: unknown): SalePosition | undefined {
  if (cursor === undefined) return undefined;
  const match = typeof cursor === 'string' ? POSITION.exec(Buffer.from(cursor, 'base64url').toString()) : null;
  if (!match) throw AppError.invalid([{ field: 'cursor', message: 'must be a cursor from the Link header of an earlier page' }]);
  return { atMicros: Number(match[1]), id: match[2] };
}

/** The page size asked for: 1 to `max`, `max` when absent. */
export function pageLimit(limit: unknown, max: number): number {
  if (limit === undefined) return max;
  const value = typeof limit === 'string' && /^\d{1,4}$/.test(limit) ? Number(limit) : NaN;
  if (!(value >= 1 && value <= max)) throw AppError.invalid([{ field: 'limit', message: `must be an integer from 1 to ${max}` }]);
  return value;
}
