import { Caption, PREMIUM_TEMPLATE_IDS, TEMPLATE_IDS, placeLabel, writeCaption } from './caption';
import { Place } from './places';

const PARIS: Place = { name: 'Paris', country: 'France', countryCode: 'FR', distanceKm: 0.4 };

function at(distanceKm: number, name = 'Apia'): Place {
  return { name, country: 'Samoa', countryCode: 'WS', distanceKm };
}

/** What each template must say, written out independently of the implementation. */
const EXPECTED: Record<string, (q: string, p: string) => [string, string]> = {
  'one-does-not-simply': (q, p) => ['One does not simply', `${q} in ${p}`],
  'brace-yourselves': (q, p) => ['Brace yourselves', `${q} is coming to ${p}`],
  'keep-calm': (q, p) => ['Keep calm', `and ${q} in ${p}`],
  nobody: (q, p) => ['Nobody:', `Absolutely no one in ${p}: ${q}`],
  'is-this': (q, p) => [`${p}:`, `Is this ${q}?`],
  'what-if-i-told-you': (q, p) => ['What if I told you', `${p} runs on ${q}`],
  'success-kid': (q, p) => [`Went to ${p}`, `Found ${q}`],
  'not-sure-if': (q, p) => [`Not sure if ${q}`, `or just ${p}`],
};

const EXPECTED_PREMIUM: typeof EXPECTED = {
  ...EXPECTED,
  'galaxy-brain': (q, p) => [`Small brain: ${p}`, `Galaxy brain: ${q}`],
  'two-buttons': (q, p) => [q, `or leave ${p}? Sweating.`],
  'this-is-fine': (q, p) => [`${q} in ${p}`, 'This is fine.'],
  'change-my-mind': (q, p) => [`${p} needs ${q}`, 'Change my mind'],
  'drake-prefers': (q, p) => [`Nah: ${p} as usual`, `Yes: ${q}`],
  distracted: (q, p) => [`Me in ${p}`, `Also me, seeing ${q}`],
};

function expectWellFormed(caption: Caption, query: string, label: string, expected = EXPECTED): void {
  const write = expected[caption.template];
  expect(write).toBeDefined();
  const [top, bottom] = write(query, label);
  expect(caption).toEqual({ template: caption.template, top, bottom });
}

const MANY_QUERIES = Array.from({ length: 400 }, (_, i) => `query number ${i}`);

describe('placeLabel', () => {
  it('names the town and country when the town is near', () => {
    expect(placeLabel(PARIS)).toBe('Paris, France');
  });

  it.each([
    [0, 'Apia, Samoa'],
    [249.9, 'Apia, Samoa'],
    [250, 'Apia, Samoa'],
    [250.1, 'the middle of nowhere (250 km from Apia)'],
    [250.5, 'the middle of nowhere (251 km from Apia)'],
    [2011.1, 'the middle of nowhere (2011 km from Apia)'],
    [20015.1, 'the middle of nowhere (20015 km from Apia)'],
  ])('labels a town %p km away as %j', (distanceKm, expected) => {
    expect(placeLabel(at(distanceKm))).toBe(expected);
  });
});

describe('writeCaption', () => {
  it('uses one of the known templates', () => {
    expect(TEMPLATE_IDS).toEqual(Object.keys(EXPECTED));
    expect(TEMPLATE_IDS).toContain(writeCaption('coffee', PARIS).template);
  });

  it.each([
    ['plain words', 'coffee'],
    ['an HTML script tag', '<script>alert(1)</script>'],
    ['double and single quotes', `"double" and 'single' and \`back\``],
    ['emoji and a ZWJ sequence', '😀 👩‍👩‍👧 🇫🇷'],
    ['String.replace patterns', "$& $1 $$ $' $`"],
    ['template-literal syntax', '${process.env.SECRET}'],
    ['backslashes', 'C:\\temp\\n\\u0000'],
    ['right-to-left text', 'שלום مرحبا'],
    ['format strings', '%s %d %o {0} {{x}}'],
    ['a 200-character query', 'w'.repeat(200)],
  ])('quotes %s verbatim, together with the place label', (_label, query) => {
    const caption = writeCaption(query, PARIS);
    expectWellFormed(caption, query, 'Paris, France');
    expect(`${caption.top}\n${caption.bottom}`).toContain(query);
    expect(`${caption.top}\n${caption.bottom}`).toContain('Paris, France');
  });

  it('labels a remote place as the middle of nowhere', () => {
    const caption = writeCaption('surfing', at(2011.1));
    expectWellFormed(caption, 'surfing', 'the middle of nowhere (2011 km from Apia)');
  });

  it('quotes odd characters in the place name verbatim', () => {
    const place: Place = { name: `<b>"O'Town"</b> $&`, country: 'Côte d’Ivoire', countryCode: 'CI', distanceKm: 3 };
    const caption = writeCaption('x', place);
    expectWellFormed(caption, 'x', `<b>"O'Town"</b> $&, Côte d’Ivoire`);
  });

  it('writes the same caption for the same query and place every time', () => {
    for (const query of MANY_QUERIES.slice(0, 50)) {
      const first = writeCaption(query, PARIS);
      expect(writeCaption(query, { ...PARIS })).toEqual(first);
      expect(writeCaption(query, PARIS)).toEqual(first);
    }
  });

  it('ignores everything about the place but its label', () => {
    const caption = writeCaption('coffee', PARIS);
    expect(writeCaption('coffee', { ...PARIS, countryCode: 'XX', distanceKm: 200 })).toEqual(caption);
  });

  it('writes a well-formed caption for every one of many queries', () => {
    for (const query of MANY_QUERIES) expectWellFormed(writeCaption(query, PARIS), query, 'Paris, France');
  });

  it('uses every template across many queries', () => {
    const used = new Set(MANY_QUERIES.map((query) => writeCaption(query, PARIS).template));
    expect([...used].sort()).toEqual([...TEMPLATE_IDS].sort());
  });

  it('has six more templates for premium memes, all used, each caption still quoting query and place', () => {
    expect(PREMIUM_TEMPLATE_IDS).toEqual([...TEMPLATE_IDS, 'galaxy-brain', 'two-buttons', 'this-is-fine', 'change-my-mind', 'drake-prefers', 'distracted']);
    const captions = MANY_QUERIES.map((query) => writeCaption(query, PARIS, { premium: true }));
    expect(new Set(captions.map((c) => c.template)).size).toBe(14);
    captions.forEach((caption, i) => expectWellFormed(caption, MANY_QUERIES[i], 'Paris, France', EXPECTED_PREMIUM));
  });

  it('does not pick the same template for nearly every query', () => {
    const counts = new Map<string, number>();
    for (const query of MANY_QUERIES) {
      const { template } = writeCaption(query, PARIS);
      counts.set(template, (counts.get(template) ?? 0) + 1);
    }
    // Eight templates over 400 queries: about 50 each; none should take even a quarter.
    expect(Math.max(...counts.values())).toBeLessThan(100);
  });

  it('lets the place, not only the query, choose the template', () => {
    const places = ['Paris', 'Lyon', 'Nice', 'Lille', 'Nantes', 'Rennes', 'Brest', 'Metz', 'Dijon', 'Tours'];
    const used = new Set(places.map((name) => writeCaption('coffee', { ...PARIS, name }).template));
    expect(used.size).toBeGreaterThan(1);
  });
});
