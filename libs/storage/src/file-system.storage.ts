import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { assertStorable, assertValidObjectKey } from './object-key';
import { ObjectStorage } from './object-storage.port';

/** The URL path under which this API serves the objects (see serveStoredObjects). */
export const STORED_OBJECTS_PREFIX = '/objects';

/**
 * Objects as files under `root`, one per key (`memes/x.png` → `<root>/memes/x.png`), served by
 * this API at `/objects/<key>`.
 *
 * A put is atomic and durable: the bytes go to a temporary dotfile beside the target, are synced
 * to disk, renamed over the target, and the directory is synced. A reader therefore sees no file
 * or the whole file, never part of one; after put resolves the object survives a power loss; and
 * concurrent puts of one key each rename a complete copy, the last one winning. A crash mid-put
 * can leave a temporary `.<name>.<random>.tmp` file behind; it is never served.
 */
export class FileSystemStorage extends ObjectStorage {
  private readonly root: string;

  constructor(root: string) {
    super();
    this.root = resolve(root);
  }

  async put(key: string, data: Buffer, contentType: string): Promise<void> {
    assertStorable(key, contentType);
    const target = this.pathOf(key);
    const directory = dirname(target);
    await mkdir(directory, { recursive: true });
    const temporary = join(directory, `.${basename(target)}.${randomBytes(8).toString('hex')}.tmp`);
    try {
      await writeAndSync(temporary, data);
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    await sync(directory);
  }

  async urlFor(key: string): Promise<string> {
    assertValidObjectKey(key);
    return `${STORED_OBJECTS_PREFIX}/${key}`;
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  private pathOf(key: string): string {
    assertValidObjectKey(key);
    return join(this.root, ...key.split('/'));
  }
}

async function writeAndSync(path: string, data: Buffer): Promise<void> {
  const file = await open(path, 'wx');
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Persists a directory's entries, here the rename that published an object. */
async function sync(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
