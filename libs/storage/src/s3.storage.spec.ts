import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import S3rver from 's3rver';
import { S3Storage, S3StorageOptions } from './s3.storage';

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * What the contract suite does not cover. s3rver checks a presigned URL's expiry but not its
 * SigV4 signature (it serves a tampered or unsigned URL alike), so refusing a tampered URL is
 * left to real S3 and not asserted here.
 */
describe('S3Storage', () => {
  describe('against s3rver', () => {
    let server: S3rver;
    let directory: string;
    let endpoint: string;

    beforeAll(async () => {
      directory = await mkdtemp(join(tmpdir(), 'maas-s3rver-'));
      server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: 'memes' }] });
      endpoint = `http://127.0.0.1:${(await server.run()).port}`;
    });
    afterAll(async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    });

    it('hands out a path-style URL valid for an hour by default, without checksum parameters', async () => {
      const url = new URL(await new S3Storage({ bucket: 'memes', endpoint, ...credentials }).urlFor('memes/a.png'));
      expect(`${url.origin}${url.pathname}`).toBe(`${endpoint}/memes/memes/a.png`);
      expect(url.searchParams.get('X-Amz-Expires')).toBe('3600');
      expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^S3RVER\/\d{8}\/us-east-1\/s3\/aws4_request$/);
      expect(url.searchParams.has('x-amz-checksum-mode')).toBe(false);
    });

    it('hands out URLs that stop working after presignSeconds', async () => {
      const storage = new S3Storage({ bucket: 'memes', endpoint, ...credentials, presignSeconds: 3 });
      await storage.put('memes/expiring.png', Buffer.from('png'), 'image/png');
      const url = await storage.urlFor('memes/expiring.png');
      expect((await fetch(url)).status).toBe(200);

      // The URL's date has whole seconds (signed at 12:00:00.9, it says 12:00:00): it expires
      // presignSeconds after that date, which may be up to a second before "now + presignSeconds".
      const signedAt = new URL(url).searchParams.get('X-Amz-Date') as string;
      const expiresAt = Date.parse(signedAt.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z')) + 3_000;
      await sleep(Math.max(0, expiresAt - Date.now()) + 200);

      const expired = await fetch(url);
      expect(expired.status).toBe(403);
      expect(await expired.text()).toContain('Request has expired');
      // A fresh URL still works: the object is there, only the old URL expired.
      expect((await fetch(await storage.urlFor('memes/expiring.png'))).status).toBe(200);
    });
  });

  it('addresses AWS S3 by virtual host when no endpoint is set', async () => {
    const storage = new S3Storage({ bucket: 'memes', region: 'eu-west-3', ...credentials, presignSeconds: 60 });
    const url = new URL(await storage.urlFor('memes/a.mp4'));
    expect(`${url.origin}${url.pathname}`).toBe('https://memes.s3.eu-west-3.amazonaws.com/memes/a.mp4');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
  });

  it('gives up on a server that never answers after 3 attempts of 5 s', async () => {
    let requests = 0;
    const silent = createServer(() => requests++);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const started = Date.now();
      const storage = new S3Storage({ bucket: 'memes', endpoint, ...credentials });
      await expect(storage.put('memes/a.png', Buffer.from('png'), 'image/png')).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(requests).toBe(3);
      expect(Date.now() - started).toBeGreaterThanOrEqual(14_900);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  }, 25_000);

  it.each<[string, Partial<S3StorageOptions>]>([
    ['presignSeconds of 0', { presignSeconds: 0 }],
    ['fractional presignSeconds', { presignSeconds: 1.5 }],
    ['presignSeconds beyond the SigV4 week', { presignSeconds: 604_801 }],
    ['an access key without its secret', { accessKeyId: 'AKIA' }],
    ['a secret without its access key', { secretAccessKey: 'secret' }],
  ])('refuses %s at construction', (_case, options) => {
    expect(() => new S3Storage({ bucket: 'memes', ...options })).toThrow();
  });
});
