import { FieldProblem } from '@maas/core';
import { SUBSCRIPTION_STATUSES, SubscriptionStatus } from './subscription.entity';

export const PAGE_SIZE = 50;
export const MAX_PAGE = 100_000;

export interface ListQuery {
  readonly status?: SubscriptionStatus;
  readonly page: number;
}

export type ListQueryResult = { readonly ok: true; readonly value: ListQuery } | { readonly ok: false; readonly errors: FieldProblem[] };

const KNOWN_PARAMETERS = new Set(['status', 'page']);
const WHOLE_NUMBER = /^\d{1,6}$/;

/**
 * Validates the admin list's query string: `page` a whole number from 1 to MAX_PAGE (default 1),
 * `status` optional and one of the known ones. Unknown or repeated parameters are refused; every
 * problem is reported per field.
 */
export function parseListQuery(raw: Readonly<Record<string, unknown>>): ListQueryResult {
  const errors: FieldProblem[] = [];
  for (const name of Object.keys(raw)) {
    if (!KNOWN_PARAMETERS.has(name)) errors.push({ field: name, message: 'is not a known parameter' });
  }
  const page = pageOf(raw.page, errors);
  const status = statusOf(raw.status, errors);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: status === undefined ? { page } : { page, status } };
}

function single(value: unknown, field: string, errors: FieldProblem[]): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  errors.push({ field, message: 'must be given once' });
  return undefined;
}

function pageOf(value: unknown, errors: FieldProblem[]): number {
  const raw = single(value, 'page', errors);
  if (raw === undefined) return 1;
  const page = WHOLE_NUMBER.test(raw) ? Number(raw) : NaN;
  if (!(page >= 1 && page <= MAX_PAGE)) {
    errors.push({ field: 'page', message: `must be a whole number from 1 to ${MAX_PAGE}` });
    return 1;
  }
  return page;
}

function statusOf(value: unknown, errors: FieldProblem[]): SubscriptionStatus | undefined {
  const raw = single(value, 'status', errors);
  if (raw === undefined) return undefined;
  const status = SUBSCRIPTION_STATUSES.find((known) => known === raw);
  if (!status) errors.push({ field: 'status', message: `must be one of: ${SUBSCRIPTION_STATUSES.join(', ')}` });
  return status;
}
