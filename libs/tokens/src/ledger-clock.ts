import { Injectable } from '@nestjs/common';

/** The API's own clock, as the ledger reads it for sale deadlines (a seam tests use to skew it). */
@Injectable()
export class LedgerClock {
  now(): number {
    return Date.now();
  }
}

/** A sample older than this gives way to any newer one: clocks drift. */
const FRESH_MS = 1000;

/**
 * How far a Redis server's clock is ahead of ours, learned from the time in its answers, as NTP
 * does: a sample is Redis' time against the midpoint of the round trip, off by at most half the
 * round trip, so the sample with the shortest round trip of the last second wins. A sample that
 * contradicts the estimate beyond both errors (a clock was stepped) replaces it at once.
 */
export class ClockOffset {
  private best?: { readonly offset: number; readonly error: number; readonly at: number };

  /** Redis' time minus ours in ms, or undefined before the first answer. */
  get value(): number | undefined {
    return this.best?.offset;
  }

  /** `remoteNow` (Unix ms, Redis) was read between our `sentAt` and `receivedAt`. */
  observe(sentAt: number, receivedAt: number, remoteNow: number): void {
    const error = Math.max(0, receivedAt - sentAt) / 2 + 1; // + Redis' whole milliseconds
    const offset = remoteNow - (sentAt + receivedAt) / 2;
    const best = this.best;
    if (
      !best ||
      error <= best.error ||
      Math.abs(receivedAt - best.at) > FRESH_MS ||
      Math.abs(offset - best.offset) > error + best.error
    ) {
      this.best = { offset, error, at: receivedAt };
    }
  }
}
