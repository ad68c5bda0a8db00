import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import S3rver from 's3rver';
import { FileSystemStorage } from './file-system.storage';
import { ObjectStorage } from './object-storage.port';
import { S3Storage } from './s3.storage';
import { serveStoredObjects } from './serve-stored-objects';

interface Subject {
  readonly storage: ObjectStorage;
  /** Resolves the absolute-path URLs of the filesystem adapter; S3 URLs are absolute already. */
  readonly origin: string;
  stop(): Promise<void>;
}

/** Objects on disk, served over HTTP by a Fastify instance as the API serves them. */
async function fileSystem(): Promise<Subject> {
  const root = await mkdtemp(join(tmpdir(), 'maas-storage-'));
  const app = Fastify();
  await serveStoredObjects(app, root);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    storage: new FileSystemStorage(root),
    origin: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    stop: async () => {
      await app.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A real S3-compatible server in this process (s3rver), with its default credentials. */
async function s3(): Promise<Subject> {
  const directory = await mkdtemp(join(tmpdir(), 'maas-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: 'memes' }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    storage: new S3Storage({ bucket: 'memes', endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }),
    origin: endpoint,
    stop: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** One contract, every adapter: callers cannot tell where the objects live. */
describe.each([
  ['FileSystemStorage', fileSystem],
  ['S3Storage', s3],
])('ObjectStorage contract, %s', (_name, start) => {
  let subject: Subject;
  let storage: ObjectStorage;

  beforeAll(async () => {
    subject = await start();
    storage = subject.storage;
  });
  afterAll(() => subject.stop());

  /** What a client redirected to urlFor(key) receives. */
  async function fetchObject(key: string): Promise<Response> {
    return fetch(new URL(await storage.urlFor(key), subject.origin));
  }

  const uniqueKey = (extension: string) => `memes/${randomUUID()}.${extension}`;

  it.each([
    ['png', 'image/png'],
    ['webp', 'image/webp'],
    ['mp4', 'video/mp4'],
  ])('stores a .%s object and hands out a URL serving its exact bytes as %s, cacheable forever', async (extension, type) => {
    const key = uniqueKey(extension);
    const data = randomBytes(100_000);
    await storage.put(key, data, type);

    const response = await fetchObject(key);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await response.arrayBuffer()).equals(data)).toBe(true);
  });

  it('accepts the same bytes under the same key again, one after another and 20 at once', async () => {
    const key = uniqueKey('png');
    const data = randomBytes(200_000);
    await storage.put(key, data, 'image/png');
    await storage.put(key, data, 'image/png');
    await Promise.all(Array.from({ length: 20 }, () => storage.put(key, data, 'image/png')));

    const response = await fetchObject(key);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(data)).toBe(true);
  });

  it('deletes one object and leaves its neighbours', async () => {
    const gone = uniqueKey('png');
    const kept = uniqueKey('png');
    await storage.put(gone, Buffer.from('gone'), 'image/png');
    await storage.put(kept, Buffer.from('kept'), 'image/png');

    await storage.delete(gone);

    const response = await fetchObject(gone);
    // AWS answers 403 rather than 404 for a missing key when the credentials may not list the bucket.
    expect([403, 404]).toContain(response.status);
    expect(await (await fetchObject(kept)).text()).toBe('kept');
  });

  it('deletes a key that holds no object without complaint', async () => {
    await expect(storage.delete(uniqueKey('mp4'))).resolves.toBeUndefined();
  });

  it.each([
    { key: '', why: 'an empty key' },
    { key: '/memes/a.png', why: 'a leading slash' },
    { key: 'memes//a.png', why: 'an empty segment' },
    { key: 'memes/a.png/', why: 'a trailing slash' },
    { key: '../a.png', why: 'a parent segment' },
    { key: 'memes/../a.png', why: 'an inner parent segment' },
    { key: 'memes/./a.png', why: 'a current-directory segment' },
    { key: '.a.png', why: 'a dotfile' },
    { key: 'memes/.a.png.0123.tmp', why: 'a temporary file of FileSystemStorage' },
    { key: 'Memes/a.png', why: 'capitals' },
    { key: 'memes/a b.png', why: 'a space' },
    { key: 'memes\\a.png', why: 'a backslash' },
    { key: 'memes/%2e%2e.png', why: 'percent-encoding' },
    { key: 'memes/é.png', why: 'non-ASCII letters' },
    { key: `${'a'.repeat(197)}.png`, why: 'more than 200 characters' },
  ])('refuses a key with $why in put, urlFor and delete', async ({ key }) => {
    await expect(storage.put(key, Buffer.from('x'), 'image/png')).rejects.toThrow('Invalid object key');
    await expect(storage.urlFor(key)).rejects.toThrow('Invalid object key');
    await expect(storage.delete(key)).rejects.toThrow('Invalid object key');
  });

  it('accepts a key of 200 characters', async () => {
    const key = `${randomUUID()}/${'a'.repeat(159)}.png`;
    expect(key).toHaveLength(200);
    await storage.put(key, Buffer.from('long'), 'image/png');
    expect(await (await fetchObject(key)).text()).toBe('long');
  });

  it.each([
    ['memes/a.png', 'image/webp'],
    ['memes/a.webp', 'image/png'],
    ['memes/a.mp4', 'video/webm'],
    ['memes/a.gif', 'image/gif'],
    ['memes/a', 'image/png'],
  ])('refuses to store %j as %s: the extension must name the content type', async (key, type) => {
    await expect(storage.put(key, Buffer.from('x'), type)).rejects.toThrow('does not fit content type');
    expect([403, 404]).toContain((await fetchObject(key)).status);
  });
});
