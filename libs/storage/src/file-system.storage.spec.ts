import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystemStorage } from './file-system.storage';

/** What the contract suite cannot see from outside: the files themselves. */
describe('FileSystemStorage', () => {
  let root: string;
  let storage: FileSystemStorage;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'maas-fs-storage-'));
    storage = new FileSystemStorage(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('keeps an object as the file named by its key, creating directories, and points to /objects/<key>', async () => {
    const data = randomBytes(1000);
    await storage.put('memes/2026/11/a.webp', data, 'image/webp');

    expect((await readFile(join(root, 'memes', '2026', '11', 'a.webp'))).equals(data)).toBe(true);
    expect(await storage.urlFor('memes/2026/11/a.webp')).toBe('/objects/memes/2026/11/a.webp');
    expect(await readdir(join(root, 'memes', '2026', '11'))).toEqual(['a.webp']);
  });

  it('removes the file on delete', async () => {
    await storage.put('memes/a.png', Buffer.from('png'), 'image/png');
    await storage.delete('memes/a.png');
    await expect(stat(join(root, 'memes', 'a.png'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('never shows part of an object under its name while writing it', async () => {
    const data = randomBytes(64 * 1024 * 1024);
    const target = join(root, 'memes', 'big.mp4');
    const sizesSeen = new Set<number>();
    let absentSeen = 0;
    let writing = true;

    const written = storage.put('memes/big.mp4', data, 'video/mp4').finally(() => (writing = false));
    while (writing) {
      try {
        sizesSeen.add((await stat(target)).size);
      } catch (error) {
        expect(error).toMatchObject({ code: 'ENOENT' });
        absentSeen++;
      }
    }
    await written;

    // The watch overlapped the write (the file was absent for a while), and whenever the name
    // existed it held every byte.
    expect(absentSeen).toBeGreaterThan(0);
    expect([...sizesSeen].every((size) => size === data.length)).toBe(true);
    expect((await readFile(target)).equals(data)).toBe(true);
  });

  it('leaves no temporary file behind after concurrent puts of one key', async () => {
    const data = randomBytes(100_000);
    await Promise.all(Array.from({ length: 20 }, () => storage.put('memes/same.png', data, 'image/png')));

    expect(await readdir(join(root, 'memes'))).toEqual(['same.png']);
    expect((await readFile(join(root, 'memes', 'same.png'))).equals(data)).toBe(true);
  });

  it('removes its temporary file when the final rename fails, and rejects', async () => {
    // A non-empty directory already holds the name: the rename over it fails.
    await mkdir(join(root, 'memes', 'taken.png'), { recursive: true });
    await writeFile(join(root, 'memes', 'taken.png', 'inside'), 'x');

    await expect(storage.put('memes/taken.png', Buffer.from('png'), 'image/png')).rejects.toMatchObject({
      code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST)$/),
    });
    expect(await readdir(join(root, 'memes'))).toEqual(['taken.png']);
  });
});
