import { AppError } from '../errors/app-error';

/**
 * At most `slots` calls at once; up to `queueLimit` more wait in arrival order, and any beyond
 * that are refused at once (429 with Retry-After), so a flood costs a bounded share of the
 * dependency and a bounded queue here, not a place in the queue everyone else waits in.
 */
export class Bulkhead {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly slots: number,
    readonly queueLimit: number,
  ) {}

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.slots) {
      if (this.waiting.length >= this.queueLimit) {
        throw new AppError('rate_limited', `Too many ${this.name} requests at once.`, {}, { 'Retry-After': '1' });
      }
      // The slot is handed over by the call that leaves it, so `active` never drops in between.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
