import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { IncomingHttpHeaders, request } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { FastifyInstance } from 'fastify';
import { FileSystemStorage } from './file-system.storage';
import { serveStoredObjects } from './serve-stored-objects';

interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

describe('serveStoredObjects', () => {
  let dir: string;
  let root: string;
  let app: FastifyInstance;
  let port: number;
  const png = randomBytes(5000);
  const mp4 = randomBytes(100_000);
  const secret = Buffer.from('secret outside the root');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maas-serve-'));
    root = join(dir, 'objects');
    const storage = new FileSystemStorage(root);
    await storage.put('memes/a.png', png, 'image/png');
    await storage.put('memes/b.webp', png, 'image/webp');
    await storage.put('videos/c.mp4', mp4, 'video/mp4');
    // What must never be served: a file beside the root, dotfiles inside it (as a crash could
    // leave a temporary file), a file whose name is no valid key.
    await writeFile(join(dir, 'secret.png'), secret);
    await writeFile(join(root, 'memes', '.a.png.0123.tmp'), secret);
    await writeFile(join(root, '.env'), secret);
    await writeFile(join(root, 'memes', 'UPPER.png'), secret);
    await mkdir(join(root, 'empty'));

    app = Fastify();
    // As the API does: every response defaults to no-store, which objects must override.
    app.addHook('onRequest', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });
    await serveStoredObjects(app, root);
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** An HTTP request with the path sent byte for byte: fetch would normalise `..` and `%2e` away. */
  function send(method: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  it.each([
    ['/objects/memes/a.png', 'image/png'],
    ['/objects/memes/b.webp', 'image/webp'],
    ['/objects/videos/c.mp4', 'video/mp4'],
  ])('serves %s as %s, immutable, validated and unsniffable', async (path, type) => {
    const response = await send('GET', path);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(type);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['accept-ranges']).toBe('bytes');
    expect(response.headers.etag).toMatch(/^W\/".+"$|^".+"$/);
    expect(Date.parse(response.headers['last-modified'] ?? '')).not.toBeNaN();
    expect(response.body.equals(path.endsWith('.mp4') ? mp4 : png)).toBe(true);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const get = await send('GET', '/objects/videos/c.mp4');
    const head = await send('HEAD', '/objects/videos/c.mp4');
    expect(head.status).toBe(200);
    expect(head.body).toHaveLength(0);
    expect(head.headers['content-length']).toBe(String(mp4.length));
    for (const name of ['content-type', 'cache-control', 'etag', 'last-modified', 'x-content-type-options', 'accept-ranges']) {
      expect(head.headers[name]).toBe(get.headers[name]);
    }
  });

  it('answers a revalidation with 304 when the ETag still matches', async () => {
    const { headers } = await send('GET', '/objects/memes/a.png');
    const response = await send('GET', '/objects/memes/a.png', { 'if-none-match': headers.etag ?? '' });
    expect(response.status).toBe(304);
    expect(response.body).toHaveLength(0);
  });

  it.each([
    ['bytes=1000-1999', 1000, 2000],
    ['bytes=99000-', 99_000, 100_000],
    ['bytes=-500', 99_500, 100_000],
  ])('serves the range %s of a video with 206 and exactly those bytes', async (range, start, end) => {
    const response = await send('GET', '/objects/videos/c.mp4', { range });
    expect(response.status).toBe(206);
    expect(response.headers['content-range']).toBe(`bytes ${start}-${end - 1}/${mp4.length}`);
    expect(response.headers['content-length']).toBe(String(end - start));
    expect(response.headers['content-type']).toBe('video/mp4');
    expect(response.body.equals(mp4.subarray(start, end))).toBe(true);
  });

  it('refuses a range beyond the end with 416', async () => {
    const response = await send('GET', '/objects/videos/c.mp4', { range: 'bytes=200000-300000' });
    expect(response.status).toBe(416);
    expect(response.headers['content-range']).toBe(`bytes */${mp4.length}`);
  });

  function problemOf(response: RawResponse): Record<string, unknown> {
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    return JSON.parse(response.body.toString()) as Record<string, unknown>;
  }

  it.each([
    ['malformed', 'bytes=abc'],
    ['reversed', 'bytes=5-1'],
    ['starting at the size', `bytes=${100_000}-`],
    ['starting past the size', 'bytes=200000-300000'],
    ['an empty suffix', 'bytes=-0'],
  ])('answers a %s range with a 416 problem naming the size', async (_label, range) => {
    const response = await send('GET', '/objects/videos/c.mp4', { range });
    expect(response.status).toBe(416);
    expect(response.headers['content-range']).toBe(`bytes */${mp4.length}`);
    expect(problemOf(response)).toMatchObject({ status: 416, code: 'range_not_satisfiable', instance: '/objects/videos/c.mp4' });
  });

  it('serves a suffix range longer than the file as a 206 of the whole file', async () => {
    const response = await send('GET', '/objects/videos/c.mp4', { range: 'bytes=-250000' });
    expect(response.status).toBe(206);
    expect(response.headers['content-range']).toBe(`bytes 0-${mp4.length - 1}/${mp4.length}`);
    expect(response.body.equals(mp4)).toBe(true);
  });

  it('answers a failed If-Match or If-Unmodified-Since with a 412 problem, and a holding one with the file', async () => {
    const { headers } = await send('GET', '/objects/memes/a.png');
    const preconditions: Record<string, string>[] = [{ 'if-match': '"not-this-one"' }, { 'if-unmodified-since': 'Sat, 01 Jan 2000 00:00:00 GMT' }];
    for (const precondition of preconditions) {
      const refused = await send('GET', '/objects/memes/a.png', precondition);
      expect(refused.status).toBe(412);
      expect(problemOf(refused)).toMatchObject({ status: 412, code: 'precondition_failed' });
    }
    const held = await send('GET', '/objects/memes/a.png', { 'if-match': headers.etag ?? '' });
    expect(held.status).toBe(200);
    expect(held.body.equals(png)).toBe(true);
  });

  it.each([
    '/objects/memes/missing.png',
    '/objects/memes/.a.png.0123.tmp',
    '/objects/.env',
    '/objects/memes/UPPER.png',
    '/objects/memes',
    '/objects/memes/',
    '/objects/empty/',
    '/objects/',
  ])('answers 404 for %s: only objects are served, never dotfiles or directory listings', async (path) => {
    const response = await send('GET', path);
    expect(response.status).toBe(404);
    expect(response.body.includes(secret)).toBe(false);
  });

  it.each([
    '/objects/../secret.png',
    '/objects/memes/../../secret.png',
    '/objects/%2e%2e/secret.png',
    '/objects/%2E%2E/secret.png',
    '/objects/memes/%2e%2e/%2e%2e/secret.png',
    '/objects/.%2e/secret.png',
    '/objects/%2e%2e%2fsecret.png',
    '/objects/memes/..%2f..%2fsecret.png',
    '/objects/..%5csecret.png',
    '/objects/%252e%252e/secret.png',
    '/objects//secret.png',
    '/objects/memes//a.png',
    '/objects/./memes/a.png',
    '/objects/%2fetc%2fpasswd',
    '/objects//etc/passwd',
  ])('refuses the traversal attempt %s', async (path) => {
    const response = await send('GET', path);
    expect([400, 403, 404]).toContain(response.status);
    expect(response.body.includes(secret)).toBe(false);
    expect(response.body.includes(png)).toBe(false);
  });
});
