import { FastifyReply } from 'fastify';
import { AppError, FieldProblem } from '@maas/core';
import { Transaction, TransactionFilter, TransactionPosition, Transactions, TRANSACTION_TYPES, TransactionType } from './transactions';

export const TRANSACTIONS_LIMIT = 100;

/** The query string of a transactions list, as the routes take it. */
export interface TransactionsQuery {
  readonly type?: unknown;
  readonly memeFormat?: unknown;
  readonly from?: unknown;
  readonly to?: unknown;
  readonly limit?: unknown;
  readonly cursor?: unknown;
  readonly format?: unknown;
}

const CURSOR = /^(\d{1,17})\.(.{1,128})$/s;
const MEME_FORMAT = /^[a-z]{1,16}$/;
const CSV_COLUMNS = ['id', 'type', 'amount', 'balanceAfter', 'at', 'format', 'memeId', 'reference'] as const;

/**
 * Answers a transactions list: one JSON page with a `Link` to the next, or (`format=csv`) every
 * entry that matches the filters as CSV. Bad parameters are one 400 naming each.
 */
export async function answerTransactions(
  transactions: Transactions,
  userId: string,
  path: string,
  query: TransactionsQuery,
  reply: FastifyReply,
): Promise<readonly Transaction[] | string> {
  const problems: FieldProblem[] = [];
  const filter = filterOf(query, problems);
  const csv = query.format === 'csv';
  if (query.format !== undefined && !csv) problems.push({ field: 'format', message: 'must be csv (or absent, for JSON)' });
  const limit = csv ? undefined : limitOf(query.limit, problems);
  const before = positionOf(query.cursor, problems);
  if (problems.length > 0) throw AppError.invalid(problems);

  const page = await transactions.list(userId, filter, limit, before);
  if (csv) {
    reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="transactions.csv"');
    return [CSV_COLUMNS.join(','), ...page.items.map((item) => CSV_COLUMNS.map((column) => csvField(item[column])).join(','))].join('\r\n') + '\r\n';
  }
  if (page.next) {
    const next = new URLSearchParams(
      Object.entries({ ...query, limit: String(limit), cursor: encodePosition(page.next) }).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
    reply.header('Link', `<${path}?${next.toString()}>; rel="next"`);
  }
  return page.items;
}

function filterOf(query: TransactionsQuery, problems: FieldProblem[]): TransactionFilter {
  let types: TransactionType[] | undefined;
  if (query.type !== undefined) {
    const listed = typeof query.type === 'string' ? query.type.split(',') : [];
    if (listed.length === 0 || !listed.every((type): type is TransactionType => (TRANSACTION_TYPES as readonly string[]).includes(type))) {
      problems.push({ field: 'type', message: `must be one or more of ${TRANSACTION_TYPES.join(', ')}, comma-separated` });
    } else types = listed;
  }
  const format = query.memeFormat;
  if (format !== undefined && !(typeof format === 'string' && MEME_FORMAT.test(format))) {
    problems.push({ field: 'memeFormat', message: 'must be a meme format such as text, image or video' });
  }
  const from = instantOf(query.from, 'from', problems);
  const to = instantOf(query.to, 'to', problems);
  if (from && to && from >= to) problems.push({ field: 'from', message: 'must be before `to`' });
  return { types, format: format as string | undefined, from, to };
}

/** An ISO 8601 date (a UTC day) or date-time with an offset. */
function instantOf(value: unknown, field: string, problems: FieldProblem[]): Date | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : '';
  const form = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/.exec(text);
  const at = form ? new Date(form[4] ? text : `${text}T00:00:00Z`) : undefined;
  const day = form ? new Date(Date.UTC(Number(form[1]), Number(form[2]) - 1, Number(form[3]))) : undefined;
  if (!at || Number.isNaN(at.getTime()) || day?.getUTCDate() !== Number(form?.[3]) || day?.getUTCMonth() !== Number(form?.[2]) - 1) {
    problems.push({ field, message: 'must be a date (YYYY-MM-DD, UTC) or a date-time with an offset (ISO 8601)' });
    return undefined;
  }
  return at;
}

function limitOf(limit: unknown, problems: FieldProblem[]): number {
  if (limit === undefined) return TRANSACTIONS_LIMIT;
  const value = typeof limit === 'string' && /^\d{1,4}$/.test(limit) ? Number(limit) : NaN;
  if (value >= 1 && value <= TRANSACTIONS_LIMIT) return value;
  problems.push({ field: 'limit', message: `must be an integer from 1 to ${TRANSACTIONS_LIMIT}` });
  return TRANSACTIONS_LIMIT;
}

function encodePosition(position: TransactionPosition): string {
  return Buffer.from(`${position.atMicros}.${position.id}`).toString('base64url');
}

function positionOf(cursor: unknown, problems: FieldProblem[]): TransactionPosition | undefined {
  if (cursor === undefined) return undefined;
  const match = typeof cursor === 'string' ? CURSOR.exec(Buffer.from(cursor, 'base64url').toString()) : null;
  if (match) return { atMicros: Number(match[1]), id: match[2] };
  problems.push({ field: 'cursor', message: 'must be a cursor from the Link header of an earlier page' });
  return undefined;
}

/** RFC 4180: quoted when it holds a comma, a quote or a line break; a leading =+-@ is defused. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = typeof value === 'string' && /^[=+\-@]/.test(value) ? `'${value}` : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
