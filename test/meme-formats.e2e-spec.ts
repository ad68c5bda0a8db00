import { loadImage } from '@napi-rs/canvas';
import { probeMedia } from '@maas/media';
import { json, ledgerModes, memePath, TestApi, testConfig, uniqueUser } from './setup/test-app';

/**
 * The three formats through the real API: what comes back is decoded (PNG, MP4), each format
 * charges exactly its cost, `random` spreads over them, and short links resolve. Video memes are
 * made by whichever test app's in-process worker takes the job first: every test app stores memes
 * in the same place, so any of them can serve any link.
 */

const COSTS = { text: 1, image: 3, video: 10 } as const;

async function bytesOf(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

describe.each(ledgerModes())('meme formats, %s ledger', (mode) => {
  let api: TestApi;

  beforeAll(async () => {
    api = await TestApi.start(testConfig(mode));
  });

  afterAll(async () => {
    await api?.close();
  });

  async function fundedUser(tokens: number): Promise<string> {
    const user = uniqueUser('formats');
    expect((await api.credit(user, tokens)).status).toBe(201);
    return user;
  }

  const get = (user: string, format: string, query = 'deploy on Friday') => api.get(`${memePath(query)}&format=${format}`, api.token(user));

  it('a text meme quotes the query and costs 1 token', async () => {
    const user = await fundedUser(5);
    const response = await get(user, 'text');
    expect(response.status).toBe(200);
    const meme = await json(response);
    expect(meme).toMatchObject({ format: 'text', status: 'ready', cost: COSTS.text, remaining: 4 });
    expect(meme.meme).toContain('deploy on Friday');
  });

  it('an image meme is a short link to a real 1024×768 PNG, and costs 3 tokens', async () => {
    const user = await fundedUser(5);
    const response = await get(user, 'image', 'cats in space');
    expect(response.status).toBe(200);
    const meme = await json(response);
    expect(meme).toMatchObject({ format: 'image', status: 'ready', cost: COSTS.image, remaining: 2 });
    expect(meme.meme).toMatch(/^http:\/\/localhost:3000\/m\/[0-9A-Za-z]{10}$/);
    expect(response.headers.get('tokens-remaining')).toBe('2');

    const file = await api.follow(meme.meme);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const image = await loadImage(await bytesOf(file));
    expect([image.width, image.height]).toEqual([1024, 768]);
    expect(await api.balance(user)).toMatchObject({ used: 3, remaining: 2 });
  });

  it('a video meme is charged 10 tokens at once, answered 202, and becomes a real H.264 MP4', async () => {
    const user = await fundedUser(12);
    const response = await get(user, 'video', 'the build is green');
    expect(response.status).toBe(202);
    const pending = await json(response);
    expect(pending).toMatchObject({ format: 'video', status: 'pending', meme: null, cost: COSTS.video, remaining: 2 });
    expect(pending.statusUrl).toBe(`/memes/${pending.id}`);
    expect(response.headers.get('location')).toBe(pending.statusUrl);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(await api.balance(user)).toMatchObject({ used: 10, remaining: 2 });

    const ready = await api.settled(user, pending.id);
    expect(ready).toMatchObject({ id: pending.id, status: 'ready', format: 'video', cost: 10 });
    const file = await api.follow(ready.meme);
    expect(file.headers.get('content-type')).toBe('video/mp4');
    const mp4 = await bytesOf(file);
    expect(mp4.subarray(4, 8).toString('latin1')).toBe('ftyp');
    const probe = await probeMedia(mp4);
    expect(probe.videoCodec).toBe('h264');
    expect(probe.durationMs).toBeGreaterThan(0);
    // Made once, charged once: nothing more was taken while it was made.
    expect(await api.balance(user)).toMatchObject({ used: 10, remaining: 2 });
  });

  it('measures generation time per format in /metrics', async () => {
    const user = await fundedUser(4);
    await get(user, 'text');
    await get(user, 'image');
    const metrics = await (await api.get('/metrics')).text();
    for (const format of ['text', 'image']) {
      expect(Number(new RegExp(`^maas_meme_generation_seconds_count\\{format="${format}"\\} (\\d+)$`, 'm').exec(metrics)?.[1])).toBeGreaterThan(0);
    }
    expect(metrics).toContain('# TYPE maas_meme_generation_seconds histogram');
  });

  it('refuses a format the balance cannot pay for with 402 naming its cost, charging nothing', async () => {
    const user = await fundedUser(8);
    const video = await get(user, 'video');
    expect(video.status).toBe(402);
    expect(await json(video)).toMatchObject({ code: 'insufficient_tokens', balance: 8, cost: 10 });
    expect((await get(user, 'image')).status).toBe(200);
    expect((await get(user, 'image')).status).toBe(200);
    const image = await get(user, 'image');
    expect(image.status).toBe(402);
    expect(await json(image)).toMatchObject({ code: 'insufficient_tokens', balance: 2, cost: 3 });
    expect(await api.balance(user)).toMatchObject({ used: 6, remaining: 2 });
  });

  it('random picks every format, and charges each meme exactly the cost of the format it picked', async () => {
    const requests = 45;
    const user = await fundedUser(requests * COSTS.video);
    const formats: (keyof typeof COSTS)[] = [];
    for (let i = 0; i < requests; i++) {
      const response = await get(user, 'random', `random ${i}`);
      expect([200, 202]).toContain(response.status);
      formats.push((await json(response)).format);
    }
    // Each format is picked with probability 1/3: fewer than 3 of 45 happens about once in 10^5 runs.
    for (const format of ['text', 'image', 'video'] as const) expect(formats.filter((f) => f === format).length).toBeGreaterThanOrEqual(3);
    const charged = formats.reduce((sum, format) => sum + COSTS[format], 0);
    expect(await api.balance(user)).toMatchObject({ used: charged, remaining: requests * COSTS.video - charged });
  });

  it('short links: unknown and malformed codes are 404 problems, and no token is needed to follow one', async () => {
    for (const code of ['zzzzzzzzzz', 'abc', 'a'.repeat(17), 'abc-defgh', '..%2F..%2Fetc', 'abcdefg%00']) {
      const response = await fetch(`${api.baseUrl}/m/${code}`, { redirect: 'manual' });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect((await json(response)).code).toBe('link_not_found');
    }
    const user = await fundedUser(3);
    const meme = await json(await get(user, 'image'));
    expect((await api.follow(meme.meme)).status).toBe(200);
  });

  it('stored objects are served with a Range request (video seeking) and refuse traversal', async () => {
    const user = await fundedUser(3);
    const meme = await json(await get(user, 'image'));
    const redirect = await fetch(api.baseUrl + new URL(meme.meme).pathname, { redirect: 'manual' });
    const path = new URL(redirect.headers.get('location') as string).pathname;
    const part = await fetch(api.baseUrl + path, { headers: { range: 'bytes=0-7' } });
    expect(part.status).toBe(206);
    expect((await bytesOf(part)).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    for (const bad of ['/objects/../package.json', '/objects/%2e%2e/package.json', '/objects/memes%2F..%2F..%2Fpackage.json']) {
      expect((await fetch(api.baseUrl + bad)).status).toBeGreaterThanOrEqual(400);
    }
  });
});

describe('DEFAULT_FORMAT', () => {
  it('is the format of a request that names none', async () => {
    const api = await TestApi.start(testConfig('postgres', { DEFAULT_FORMAT: 'image' }));
    try {
      const user = uniqueUser('default-format');
      await api.credit(user, 3);
      const response = await api.get(memePath(), api.token(user));
      expect(response.status).toBe(200);
      expect(await json(response)).toMatchObject({ format: 'image', cost: 3, remaining: 0 });
    } finally {
      await api.close();
    }
  });
});
