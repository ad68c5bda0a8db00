import { ExecutionContext } from '@nestjs/common';
import { ThrottlerException, ThrottlerStorageService } from '@nestjs/throttler';
import { Principal } from '../auth/principal';
import { UserThrottlerGuard } from './user-throttler.guard';

const MINUTE_MS = 60_000;

/** A request as the guard sees it: the caller AuthGuard found, and a reply that keeps its headers. */
function call(principal?: Principal): { context: ExecutionContext; headers: Record<string, unknown> } {
  const headers: Record<string, unknown> = {};
  const reply = { header: (name: string, value: unknown) => (headers[name] = value) };
  const http = { getRequest: () => ({ principal }), getResponse: () => reply };
  return { context: { switchToHttp: () => http } as unknown as ExecutionContext, headers };
}

describe('UserThrottlerGuard', () => {
  let storage: ThrottlerStorageService;

  beforeEach(() => (storage = new ThrottlerStorageService()));
  afterEach(() => storage.onApplicationShutdown());

  it('counts per user, across routes, and refuses past the limit with Retry-After', async () => {
    const guard = new UserThrottlerGuard({ throttlers: [{ limit: 2, ttl: MINUTE_MS }] }, storage);
    const ann: Principal = { userId: 'ann', roles: [] };
    const first = call(ann);
    await expect(guard.canActivate(first.context)).resolves.toBe(true);
    expect(first.headers).toEqual({ 'X-RateLimit-Limit': 2, 'X-RateLimit-Remaining': 1, 'X-RateLimit-Reset': 60 });
    // Another user has a budget of its own.
    await expect(guard.canActivate(call({ userId: 'bob', roles: [] }).context)).resolves.toBe(true);
    const second = call(ann);
    await expect(guard.canActivate(second.context)).resolves.toBe(true);
    expect(second.headers['X-RateLimit-Remaining']).toBe(0);
    const third = call(ann);
    await expect(guard.canActivate(third.context)).rejects.toBeInstanceOf(ThrottlerException);
    expect(third.headers).toEqual({ 'Retry-After': 60 });
  });

  it('lets public routes (no caller) and a disabled limit through without counting', async () => {
    let disabled = false;
    const guard = new UserThrottlerGuard({ throttlers: [{ limit: 1, ttl: MINUTE_MS }], skipIf: () => disabled }, storage);
    expect(guard.canActivate(call().context)).toBe(true);
    disabled = true;
    const ann: Principal = { userId: 'ann', roles: [] };
    for (let i = 0; i < 3; i++) expect(guard.canActivate(call(ann).context)).toBe(true);
    disabled = false;
    await expect(guard.canActivate(call(ann).context)).resolves.toBe(true);
  });

  it('refuses a configuration it would not honour: several limits, or a computed one', () => {
    const limits = [
      { limit: 1, ttl: MINUTE_MS },
      { limit: 10, ttl: 10 * MINUTE_MS },
    ];
    expect(() => new UserThrottlerGuard({ throttlers: limits }, storage)).toThrow('exactly one limit');
    expect(() => new UserThrottlerGuard({ throttlers: [{ limit: () => 1, ttl: MINUTE_MS }] }, storage)).toThrow('exactly one limit');
  });
});
