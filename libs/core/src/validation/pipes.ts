import { Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { USER_ID_PATTERN } from '../auth/principal';
import { AppError, FieldProblem } from '../errors/app-error';

/**
 * class-validator for request bodies (admin routes, off the hot path): unknown fields are
 * refused, and every problem is reported per field.
 */
@Injectable()
export class BodyValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      validateCustomDecorators: false,
      exceptionFactory: (errors) => AppError.invalid(flatten(errors)),
    });
  }
}

function flatten(errors: ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = `${prefix}${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], `${field}.`)];
  });
}

/** An Idempotency-Key header: 1-255 printable ASCII characters. */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/;

/** What is wrong with an Idempotency-Key header, if anything (absent is fine). */
export function idempotencyKeyProblem(value: string | undefined): FieldProblem | undefined {
  if (value === undefined || IDEMPOTENCY_KEY.test(value)) return undefined;
  return { field: 'Idempotency-Key', message: 'must be 1-255 printable ASCII characters' };
}

/** A `:userId` path parameter: the same alphabet and length as a token's `sub`. */
@Injectable()
export class UserIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!USER_ID_PATTERN.test(value)) {
      throw AppError.invalid([{ field: 'userId', message: 'must be 1-64 characters of A-Z a-z 0-9 . _ : @ -' }]);
    }
    return value;
  }
}
