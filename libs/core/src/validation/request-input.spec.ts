import { isWellEncoded, jsonDepth, MAX_JSON_DEPTH } from './request-input';

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

describe('isWellEncoded', () => {
  it.each([
    'query=deploy%20on%20Friday',
    'query=caf%C3%A9',
    'query=%E2%82%AC%F0%9F%98%80',
    'query=%ED%9F%BF', // U+D7FF, the last code point before the surrogates
    'query=%F4%8F%BF%BF', // U+10FFFF
    'query=%ee%80%80', // lower-case hex
    'lat=1&lon=2&query=plain',
    '',
  ])('accepts %j', (text) => {
    expect(isWellEncoded(text)).toBe(true);
  });

  it.each([
    ['invalid UTF-8 continuation', 'query=%C3%28'],
    ['a lone high byte', 'query=%FF'],
    ['a truncated escape at the end', 'query=a%'],
    ['a one-digit escape', 'query=%A'],
    ['non-hex digits', 'query=%zz'],
    ['an encoded lone surrogate', 'query=%ED%A0%80'],
    ['an encoded low surrogate', 'query=%ED%BF%BF'],
    ['an overlong slash', 'query=%C0%AF'],
    ['an overlong three-byte form', 'query=%E0%80%AF'],
    ['a code point past U+10FFFF', 'query=%F4%90%80%80'],
    ['a sequence cut short at the end', 'query=%E2%82'],
    ['a sequence broken by a literal character', 'query=%E2x%82%AC'],
    ['a sequence broken by another parameter', 'a=%C3&b=%A9'],
    ['a continuation byte alone', 'query=%80'],
    ['a bad escape in a key', '%FF=1'],
  ])('refuses %s', (_label, text) => {
    expect(decodes(text)).toBe(false);
    expect(isWellEncoded(text)).toBe(false);
  });

  it('starts where it is told to', () => {
    expect(isWellEncoded('/m/%FF?query=ok', 8)).toBe(true);
    expect(isWellEncoded('/m/ok?query=%FF', 6)).toBe(false);
  });

  it('agrees with decodeURIComponent on 20,000 random escapes', () => {
    const pieces = ['%', '%C3', '%A9', '%ED', '%A0', '%9F', '%80', '%BF', '%E0', '%F0', '%F4', '%90', '%8F', '%FF', '%C0', '%41', 'a', '=', '&', '%2', 'z', '%E2', '%82', '%AC'];
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let run = 0; run < 20_000; run++) {
      let text = '';
      for (let count = next() % 8; count >= 0; count--) text += pieces[next() % pieces.length];
      expect([text, isWellEncoded(text)]).toEqual([text, decodes(text)]);
    }
  });
});

describe('jsonDepth', () => {
  it.each([
    ['{}', 1],
    ['[]', 1],
    ['1', 0],
    ['{"a":[1,{"b":[]}]}', 4],
    ['{"a":"[[[[{{{{"}', 1],
    ['{"a":"\\"[[["}', 1],
    ['["\\\\",[]]', 2],
  ])('of %s is %i', (text, depth) => {
    expect(jsonDepth(text)).toBe(depth);
  });

  it('stops counting past the limit', () => {
    const deep = '['.repeat(1500) + ']'.repeat(1500);
    expect(jsonDepth(deep)).toBe(MAX_JSON_DEPTH + 1);
    expect(jsonDepth('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).toBe(MAX_JSON_DEPTH);
  });
});
