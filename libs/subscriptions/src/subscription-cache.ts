import { Subscription } from './subscription';

export interface CacheRead {
  readonly subscription: Subscription | undefined;
  /** Whether the answer came from the cache (a cached absence counts). */
  readonly cached: boolean;
}

/**
 * The read-through cache in front of PostgreSQL, one entry per user, absences included. Two
 * adapters: Redis when it is configured (shared by every instance), else an in-process LRU.
 *
 * Failure mode: it fails OPEN. The cache only ever saves a query; when it cannot answer, the
 * lookup goes to PostgreSQL (the system of record), and a failed write to it is dropped.
 */
export abstract class SubscriptionCache {
  /**
   * The cached answer, or else `load()`'s, which is then cached, unless the entry was
   * invalidated while it loaded: a row read before an admin's write must not be cached after
   * that write's invalidation.
   */
  abstract read(userId: string, load: () => Promise<Subscription | undefined>): Promise<CacheRead>;

  /** Drops the user's entry; rejects when that could not be done (the entry then expires with its TTL). */
  abstract invalidate(userId: string): Promise<void>;

  /** Whether the cache holds an answer for the user right now. */
  abstract has(userId: string): Promise<boolean>;
}

/** What went wrong, for a log line: the breaker wraps a client's error in a 503, whose cause says more. */
export function reason(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
