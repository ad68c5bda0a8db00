import { LruCache } from './lru-cache';

describe('LruCache', () => {
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('evicts the least recently used entry beyond its size, a read counting as a use', () => {
    const cache = new LruCache<string>(3, 60_000, clock);
    cache.set('a', 'A');
    cache.set('b', 'B');
    cache.set('c', 'C');
    expect(cache.get('a')).toBe('A'); // a is now the most recently used: b is the oldest
    cache.set('d', 'D');
    expect(cache.size).toBe(3);
    expect(cache.has('b')).toBe(false);
    expect(['a', 'c', 'd'].map((key) => cache.has(key))).toEqual([true, true, true]);
    cache.set('e', 'E'); // c is now the oldest
    expect(cache.has('c')).toBe(false);
    expect(cache.get('a')).toBe('A');
  });

  it('has() is not a use', () => {
    const cache = new LruCache<string>(2, 60_000, clock);
    cache.set('a', 'A');
    cache.set('b', 'B');
    expect(cache.has('a')).toBe(true);
    cache.set('c', 'C');
    expect(cache.has('a')).toBe(false);
    expect(cache.has('b')).toBe(true);
  });

  it('storing a held key again replaces its value and makes it the most recent', () => {
    const cache = new LruCache<string>(2, 60_000, clock);
    cache.set('a', 'A');
    cache.set('b', 'B');
    cache.set('a', 'A2');
    cache.set('c', 'C');
    expect(cache.get('a')).toBe('A2');
    expect(cache.has('b')).toBe(false);
    expect(cache.size).toBe(2);
  });

  it('keeps at most one entry with a size of 1', () => {
    const cache = new LruCache<string>(1, 60_000, clock);
    cache.set('a', 'A');
    cache.set('b', 'B');
    expect(cache.size).toBe(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe('B');
  });

  it('expires an entry at its TTL, counted from when it was stored, not from its last read', () => {
    const cache = new LruCache<string>(10, 1000, clock);
    cache.set('a', 'A');
    now += 999;
    expect(cache.get('a')).toBe('A');
    now += 1;
    expect(cache.has('a')).toBe(false);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set('a', 'A again');
    now += 500;
    expect(cache.get('a')).toBe('A again');
  });

  it('holds null (a cached absence) apart from a miss', () => {
    const cache = new LruCache<string | null>(10, 1000, clock);
    cache.set('nobody', null);
    expect(cache.get('nobody')).toBeNull();
    expect(cache.has('nobody')).toBe(true);
    expect(cache.get('stranger')).toBeUndefined();
  });

  it('delete drops an entry', () => {
    const cache = new LruCache<string>(10, 1000, clock);
    cache.set('a', 'A');
    expect(cache.delete('a')).toBe(true);
    expect(cache.has('a')).toBe(false);
    expect(cache.delete('a')).toBe(false);
  });

  it('refuses a size below 1 or a TTL that is not positive', () => {
    expect(() => new LruCache(0, 1000)).toThrow(RangeError);
    expect(() => new LruCache(1.5, 1000)).toThrow(RangeError);
    expect(() => new LruCache(1, 0)).toThrow(RangeError);
  });
});
