import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

/**
 * One metadata key of the routes, read once per route: Reflector reads it through
 * reflect-metadata on every call, and global guards ask on every request. The handler's value
 * wins over its controller's, as with Reflector.getAllAndOverride. Routes are fixed at start-up,
 * so this holds one entry per route at most.
 */
export class RouteMetadata<T> {
  private readonly byClass = new Map<object, Map<object, T | undefined>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly key: string,
  ) {}

  of(context: ExecutionContext): T | undefined {
    const controller = context.getClass();
    const handler = context.getHandler();
    let byHandler = this.byClass.get(controller);
    if (!byHandler) this.byClass.set(controller, (byHandler = new Map()));
    if (byHandler.has(handler)) return byHandler.get(handler);
    const value = this.reflector.getAllAndOverride<T | undefined>(this.key, [handler, controller]);
    byHandler.set(handler, value);
    return value;
  }
}
