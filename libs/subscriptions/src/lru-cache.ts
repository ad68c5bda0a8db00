/** Milliseconds since the epoch; injectable so expiry can be tested without waiting. */
export type Clock = () => number;

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

/**
 * A bounded least-recently-used map with a fixed time to live per entry. A Map iterates in
 * insertion order, so re-inserting an entry on every hit keeps the least recently used one first:
 * eviction and lookup are O(1). A hit does not extend the entry's life: the TTL bounds how stale a
 * value can be, counted from when it was stored. `undefined` means "not held", so values are
 * never undefined (store null for a cached absence).
 */
export class LruCache<V extends NonNullable<unknown> | null> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    readonly maxEntries: number,
    readonly ttlMs: number,
    private readonly now: Clock = Date.now,
  ) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    if (!(ttlMs > 0)) throw new RangeError('ttlMs must be positive');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, now the most recently used; undefined when absent or expired. */
  get(key: string): V | undefined {
    const entry = this.live(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Whether a live value is held; does not count as a use. */
  has(key: string): boolean {
    return this.live(key) !== undefined;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  private live(key: string): Entry<V> | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
