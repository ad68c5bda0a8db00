import { MAX_QUERY_LENGTH, MemeQuery, ParseResult, parseMemeQuery } from './meme-query';

const VALID = { lat: '48.8566', lon: '2.3522', query: 'coffee' } as const;

function accepted(result: ParseResult): MemeQuery {
  if (!result.ok) throw new Error(`expected ok, got errors ${JSON.stringify(result.errors)}`);
  return result.value;
}

function rejected(result: ParseResult): { field: string; message: string }[] {
  if (result.ok) throw new Error(`expected errors, got value ${JSON.stringify(result.value)}`);
  return result.errors;
}

const fieldsOf = (result: ParseResult): string[] => rejected(result).map((problem) => problem.field);

describe('parseMemeQuery', () => {
  describe('accepts valid input', () => {
    it('returns the parsed numbers, the query and the default text format', () => {
      expect(parseMemeQuery(VALID)).toEqual({
        ok: true,
        value: { lat: 48.8566, lon: 2.3522, query: 'coffee', format: 'text' },
      });
    });

    it.each(['text', 'image', 'video', 'random'])('accepts the format %j', (format) => {
      expect(accepted(parseMemeQuery({ ...VALID, format })).format).toBe(format);
    });

    it('uses the configured default format when none is given', () => {
      expect(accepted(parseMemeQuery(VALID, 'random')).format).toBe('random');
      expect(accepted(parseMemeQuery({ ...VALID, format: 'text' }, 'video')).format).toBe('text');
    });

    it.each([
      ['0', 0],
      ['1', 1],
      ['-1', -1],
      ['45.5', 45.5],
      ['-45.1234567891', -45.1234567891],
      ['90', 90],
      ['-90', -90],
      ['90.0', 90],
      ['-90.0000000000', -90],
      ['007', 7],
    ])('parses latitude %j as %p', (lat, expected) => {
      expect(accepted(parseMemeQuery({ ...VALID, lat })).lat).toBe(expected);
    });

    it.each([
      ['180', 180],
      ['-180', -180],
      ['179.999999', 179.999999],
      ['-0.5', -0.5],
      ['123', 123],
    ])('parses longitude %j as %p', (lon, expected) => {
      expect(accepted(parseMemeQuery({ ...VALID, lon })).lon).toBe(expected);
    });

    it.each(['-0', '-0.0', '-0.000'])('turns negative zero %j into positive zero for both coordinates', (zero) => {
      const value = accepted(parseMemeQuery({ ...VALID, lat: zero, lon: zero }));
      expect(Object.is(value.lat, 0)).toBe(true);
      expect(Object.is(value.lon, 0)).toBe(true);
    });

    it('trims spaces, tabs and newlines around the query', () => {
      expect(accepted(parseMemeQuery({ ...VALID, query: ' \t\n  cats and dogs \r\n ' })).query).toBe('cats and dogs');
    });

    it('keeps inner spacing and punctuation of the query verbatim', () => {
      const query = 'a  b <script>alert("x")</script> & \'quotes\' $& $1';
      expect(accepted(parseMemeQuery({ ...VALID, query })).query).toBe(query);
    });

    it.each([
      ['a one-character query', 'x'],
      ['200 ASCII characters', 'a'.repeat(MAX_QUERY_LENGTH)],
      ['200 emoji (400 UTF-16 units)', '😀'.repeat(MAX_QUERY_LENGTH)],
      ['200 accented letters', 'é'.repeat(MAX_QUERY_LENGTH)],
      ['200 CJK characters', '猫'.repeat(MAX_QUERY_LENGTH)],
      ['200 characters surrounded by spaces', `   ${'b'.repeat(MAX_QUERY_LENGTH)}   `],
      ['199 letters plus one astral character', `${'a'.repeat(MAX_QUERY_LENGTH - 1)}𝄞`],
    ])('accepts %s, counting code points', (_label, query) => {
      expect(accepted(parseMemeQuery({ ...VALID, query })).query).toBe(query.trim());
    });

    it('has a limit of 200 characters', () => {
      expect(MAX_QUERY_LENGTH).toBe(200);
    });
  });

  describe('rejects bad coordinates', () => {
    it.each([
      ['just above the range', '90.0000001'],
      ['just below the range', '-90.0000001'],
      ['far out of range', '91'],
      ['three digits', '100'],
      ['four digits', '1000'],
      ['NaN', 'NaN'],
      ['Infinity', 'Infinity'],
      ['-Infinity', '-Infinity'],
      ['hex', '0x10'],
      ['an exponent', '1e1'],
      ['an upper-case exponent', '1E1'],
      ['a plus sign', '+1'],
      ['a trailing dot', '1.'],
      ['a leading dot', '.5'],
      ['a negative leading dot', '-.5'],
      ['an empty string', ''],
      ['a single space', ' '],
      ['surrounding spaces', ' 1 '],
      ['a trailing newline', '1\n'],
      ['a comma decimal separator', '1,5'],
      ['two dots', '1.2.3'],
      ['a lone minus sign', '-'],
      ['a double minus sign', '--1'],
      ['letters', 'abc'],
      ['a unit suffix', '45deg'],
      ['11 decimals', '1.12345678901'],
      ['a value past the limit that would round to it', '90.000000000000001'],
      ['full-width digits', '４５'],
      ['Arabic-Indic digits', '٤٥'],
      ['binary', '0b1'],
      ['octal', '0o7'],
      ['an underscore separator', '1_0'],
    ])('rejects latitude with %s (%j)', (_label, lat) => {
      expect(rejected(parseMemeQuery({ ...VALID, lat }))).toEqual([
        { field: 'lat', message: 'must be a decimal number from -90 to 90' },
      ]);
    });

    it.each(['180.0000001', '-180.0000001', '181', '-181', '999', 'NaN', 'Infinity', '0x10', '1e1', '+1', '1.', '.5', '', '  '])(
      'rejects longitude %j',
      (lon) => {
        expect(rejected(parseMemeQuery({ ...VALID, lon }))).toEqual([
          { field: 'lon', message: 'must be a decimal number from -180 to 180' },
        ]);
      },
    );

    it('rejects a latitude of 100 even though it is a valid longitude', () => {
      expect(fieldsOf(parseMemeQuery({ ...VALID, lat: '100', lon: '100' }))).toEqual(['lat']);
    });

    it.each([
      ['lat', 'is required: a decimal number from -90 to 90'],
      ['lon', 'is required: a decimal number from -180 to 180'],
    ])('reports a missing %s as required', (field, message) => {
      const raw: Record<string, unknown> = { ...VALID };
      delete raw[field];
      expect(rejected(parseMemeQuery(raw))).toEqual([{ field, message }]);
    });

    it('treats an explicit undefined coordinate as missing', () => {
      expect(rejected(parseMemeQuery({ ...VALID, lat: undefined }))).toEqual([
        { field: 'lat', message: 'is required: a decimal number from -90 to 90' },
      ]);
    });

    it.each([
      ['repeated parameters', ['1', '2']],
      ['a repeated identical parameter', ['1', '1']],
      ['a one-element array', ['1']],
      ['an empty array', []],
      ['a number instead of a string', 1],
      ['null', null],
      ['a nested object', { toString: () => '1' }],
      ['a boolean', true],
    ])('rejects a latitude given as %s, once, as "must be given once"', (_label, lat) => {
      expect(rejected(parseMemeQuery({ ...VALID, lat }))).toEqual([{ field: 'lat', message: 'must be given once' }]);
    });

    it('rejects a longitude given twice', () => {
      expect(rejected(parseMemeQuery({ ...VALID, lon: ['2', '3'] }))).toEqual([{ field: 'lon', message: 'must be given once' }]);
    });
  });

  describe('rejects a bad query', () => {
    const lengthMessage = 'must be 1 to 200 characters after trimming';

    it('reports a missing query as required', () => {
      expect(rejected(parseMemeQuery({ lat: '1', lon: '2' }))).toEqual([{ field: 'query', message: 'is required' }]);
    });

    it.each([
      ['an empty string', ''],
      ['only spaces', '     '],
      ['only tabs and newlines', '\t\n\r'],
      ['only non-breaking and ideographic spaces', '\u00a0\u3000\ufeff'],
      ['201 ASCII characters', 'a'.repeat(MAX_QUERY_LENGTH + 1)],
      ['201 emoji', '😀'.repeat(MAX_QUERY_LENGTH + 1)],
      ['201 characters inside spaces', `  ${'a'.repeat(MAX_QUERY_LENGTH + 1)}  `],
      ['a very long string', 'x'.repeat(100_000)],
    ])('rejects %s as the wrong length', (_label, query) => {
      expect(rejected(parseMemeQuery({ ...VALID, query }))).toEqual([{ field: 'query', message: lengthMessage }]);
    });

    it.each([
      ['NUL', 'a\u0000b'],
      ['unit separator U+001F', 'a\u001fb'],
      ['DEL U+007F', 'a\u007fb'],
      ['C1 control U+0085', 'a\u0085b'],
      ['C1 control U+009F', 'a\u009fb'],
      ['line separator U+2028', 'a\u2028b'],
      ['paragraph separator U+2029', 'a\u2029b'],
      ['an inner newline', 'a\nb'],
      ['an inner tab', 'a\tb'],
      ['an inner carriage return', 'a\rb'],
      ['escape', 'a\u001b[31mred'],
      ['a leading NUL', '\u0000abc'],
      ['a trailing DEL', 'abc\u007f'],
    ])('rejects a query containing %s', (_label, query) => {
      expect(rejected(parseMemeQuery({ ...VALID, query }))).toEqual([
        { field: 'query', message: 'must not contain control characters' },
      ]);
    });

    it.each([
      ['a lone high surrogate', '\ud800'],
      ['a lone low surrogate', '\udc00'],
      ['a high surrogate inside text', 'ab\ud83dcd'],
      ['reversed surrogates', '\ude00\ud83d'],
    ])('rejects %s as invalid Unicode', (_label, query) => {
      expect(rejected(parseMemeQuery({ ...VALID, query }))).toEqual([{ field: 'query', message: 'must be valid Unicode text' }]);
    });

    it.each([
      ['repeated', ['a', 'b']],
      ['a number', 42],
      ['null', null],
    ])('rejects a query that is %s as "must be given once"', (_label, query) => {
      expect(rejected(parseMemeQuery({ ...VALID, query }))).toEqual([{ field: 'query', message: 'must be given once' }]);
    });
  });

  describe('rejects a bad format', () => {
    it.each(['', 'TEXT', 'Image', ' text', 'video ', 'png', 'gif', 'mp4', 'json', 'text,image', 'RANDOM', '__proto__', 'toString'])(
      'rejects format %j',
      (format) => {
        expect(rejected(parseMemeQuery({ ...VALID, format }))).toEqual([{ field: 'format', message: 'must be one of: text, image, video, random' }]);
      },
    );

    it('rejects a format given twice', () => {
      expect(rejected(parseMemeQuery({ ...VALID, format: ['text', 'text'] }))).toEqual([
        { field: 'format', message: 'must be given once' },
      ]);
    });
  });

  describe('rejects unknown parameters', () => {
    it.each(['Lat', 'latitude', 'q', 'callback', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
      'rejects the unknown parameter %j',
      (name) => {
        const raw: Record<string, unknown> = { ...VALID };
        Object.defineProperty(raw, name, { value: '1', enumerable: true, configurable: true, writable: true });
        expect(rejected(parseMemeQuery(raw))).toEqual([{ field: name, message: 'is not a known parameter' }]);
      },
    );

    it('reports every unknown parameter by name', () => {
      expect(fieldsOf(parseMemeQuery({ ...VALID, a: '1', b: '', c: ['x', 'y'] }))).toEqual(['a', 'b', 'c']);
    });
  });

  describe('reports every problem at once', () => {
    it('lists all fields when everything is wrong', () => {
      expect(rejected(parseMemeQuery({ lat: '91', lon: 'east', query: '   ', format: 'gif', extra: 'x' }))).toEqual([
        { field: 'extra', message: 'is not a known parameter' },
        { field: 'lat', message: 'must be a decimal number from -90 to 90' },
        { field: 'lon', message: 'must be a decimal number from -180 to 180' },
        { field: 'query', message: 'must be 1 to 200 characters after trimming' },
        { field: 'format', message: 'must be one of: text, image, video, random' },
      ]);
    });

    it('lists every required field for an empty request', () => {
      expect(rejected(parseMemeQuery({}))).toEqual([
        { field: 'lat', message: 'is required: a decimal number from -90 to 90' },
        { field: 'lon', message: 'is required: a decimal number from -180 to 180' },
        { field: 'query', message: 'is required' },
      ]);
    });

    it('reports repeated parameters and missing ones together, one problem per field', () => {
      expect(rejected(parseMemeQuery({ lat: ['1', '2'], query: ['a', 'b'], format: ['text'] }))).toEqual([
        { field: 'lat', message: 'must be given once' },
        { field: 'lon', message: 'is required: a decimal number from -180 to 180' },
        { field: 'query', message: 'must be given once' },
        { field: 'format', message: 'must be given once' },
      ]);
    });

    it('rejects a request whose only problem is an unknown parameter', () => {
      expect(parseMemeQuery({ ...VALID, format: 'text', debug: 'true' }).ok).toBe(false);
    });
  });

  describe('never returns ok for invalid input', () => {
    // A small deterministic LCG, so the sample is the same on every run.
    function lcg(seed: number): () => number {
      let state = seed >>> 0;
      return () => {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        return state / 2 ** 32;
      };
    }

    const random = lcg(20240601);
    const alphabet = ['0', '1', '9', '.', '-', '+', 'e', 'x', ' ', '\u0000', 'N', '٣', '😀'];
    const samples = Array.from({ length: 2000 }, () => {
      const length = Math.floor(random() * 8);
      return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    });

    it('accepts a random coordinate string only if it is a plain in-range decimal, and then parses it exactly', () => {
      const plainDecimal = /^-?\d{1,3}(\.\d{1,10})?$/;
      for (const lat of samples) {
        const result = parseMemeQuery({ ...VALID, lat });
        const legal = plainDecimal.test(lat) && Math.abs(Number(lat)) <= 90;
        expect({ lat, ok: result.ok }).toEqual({ lat, ok: legal });
        if (result.ok) expect(result.value.lat).toBe(Number(lat) === 0 ? 0 : Number(lat));
      }
    });

    it('never returns a value whose fields break the contract', () => {
      for (const sample of samples) {
        const result = parseMemeQuery({ lat: sample, lon: sample, query: sample });
        if (!result.ok) continue;
        const { lat, lon, query } = result.value;
        expect(Number.isFinite(lat) && Math.abs(lat) <= 90).toBe(true);
        expect(Number.isFinite(lon) && Math.abs(lon) <= 180).toBe(true);
        expect(query).toBe(query.trim());
        expect(/\p{Cc}/u.test(query)).toBe(false);
      }
    });
  });
});
