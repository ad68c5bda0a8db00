import { ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RouteMetadata } from './route-metadata';

const KEY = 'test:access';

@SetMetadata(KEY, 'class')
class Marked {
  @SetMetadata(KEY, 'handler')
  own(): void {}

  inherited(): void {}
}

class Plain {
  none(): void {}
}

/** Another controller reusing Marked's handler, without Marked's class metadata. */
class Borrower {
  own = Marked.prototype.own;
  inherited = Marked.prototype.inherited;
}

const route = (controller: object, handler: () => void) => ({ getClass: () => controller, getHandler: () => handler }) as unknown as ExecutionContext;

describe('RouteMetadata', () => {
  let reflector: Reflector;
  let metadata: RouteMetadata<string>;

  beforeEach(() => {
    reflector = new Reflector();
    metadata = new RouteMetadata<string>(reflector, KEY);
  });

  it("answers as Reflector.getAllAndOverride: the handler's value, else its controller's", () => {
    expect(metadata.of(route(Marked, Marked.prototype.own))).toBe('handler');
    expect(metadata.of(route(Marked, Marked.prototype.inherited))).toBe('class');
    expect(metadata.of(route(Plain, Plain.prototype.none))).toBeUndefined();
  });

  it('reads each route once, absences included', () => {
    const read = jest.spyOn(reflector, 'getAllAndOverride');
    for (let i = 0; i < 3; i++) {
      expect(metadata.of(route(Marked, Marked.prototype.own))).toBe('handler');
      expect(metadata.of(route(Plain, Plain.prototype.none))).toBeUndefined();
    }
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('keeps a handler shared by two controllers apart', () => {
    expect(metadata.of(route(Marked, Marked.prototype.inherited))).toBe('class');
    expect(metadata.of(route(Borrower, Marked.prototype.inherited))).toBeUndefined();
    expect(metadata.of(route(Borrower, Marked.prototype.own))).toBe('handler');
  });
});
