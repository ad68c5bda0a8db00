import { createObjectStorage } from './create-object-storage';
import { FileSystemStorage } from './file-system.storage';
import { S3Storage } from './s3.storage';

describe('createObjectStorage', () => {
  it('builds a FileSystemStorage for the filesystem driver', async () => {
    const storage = createObjectStorage({ driver: 'filesystem', root: '/var/lib/maas/objects' });
    expect(storage).toBeInstanceOf(FileSystemStorage);
    expect(await storage.urlFor('memes/a.png')).toBe('/objects/memes/a.png');
  });

  it('builds an S3Storage for the s3 driver, with the options given', async () => {
    const storage = createObjectStorage({
      driver: 's3',
      bucket: 'memes',
      endpoint: 'https://minio.internal:9000',
      accessKeyId: 'key',
      secretAccessKey: 'secret',
      presignSeconds: 120,
    });
    expect(storage).toBeInstanceOf(S3Storage);
    const url = new URL(await storage.urlFor('memes/a.png'));
    expect(`${url.origin}${url.pathname}`).toBe('https://minio.internal:9000/memes/memes/a.png');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('120');
  });
});
