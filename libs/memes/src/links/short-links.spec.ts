import { CODE_LENGTH, newShortCode, SHORT_CODE } from './short-links';

describe('newShortCode', () => {
  it('draws 10,000 distinct base62 codes of the documented length', () => {
    const codes = Array.from({ length: 10_000 }, newShortCode);
    expect(new Set(codes).size).toBe(10_000);
    for (const code of codes) {
      expect(code).toHaveLength(CODE_LENGTH);
      expect(code).toMatch(SHORT_CODE);
    }
  });

  it('uses the whole alphabet about evenly (no modulo bias towards the first characters)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) for (const c of newShortCode()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 100,000 characters over 62 symbols: about 1,613 each; a biased draw puts the first 8 near 2,000.
    for (const n of counts.values()) expect(Math.abs(n - 100_000 / 62)).toBeLessThan(250);
  });
});
