import { ErrorCode } from './error-codes';

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/**
 * The one exception type services throw. `code` picks status and title from the catalogue;
 * `extensions` become extra members of the problem body (RFC 9457), e.g. `balance` and `cost`.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
    cause?: unknown,
  ) {
    super(detail ?? code, { cause });
    this.name = 'AppError';
  }

  static invalid(errors: readonly FieldProblem[]): AppError {
    return new AppError('invalid_request', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
  }

  /** A dependency failed; `cause` is logged, never sent. */
  static unavailable(detail: string, retryAfterSeconds = 1, cause?: unknown): AppError {
    return new AppError('service_unavailable', detail, {}, { 'Retry-After': String(retryAfterSeconds) }, cause);
  }
}
