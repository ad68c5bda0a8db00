import { FileSystemStorage } from './file-system.storage';
import { ObjectStorage } from './object-storage.port';
import { S3Storage, S3StorageOptions } from './s3.storage';

export type StorageOptions =
  /** `root` is usually `<DATA_DIR>/objects`; serve it with serveStoredObjects. */
  | { readonly driver: 'filesystem'; readonly root: string }
  | ({ readonly driver: 's3' } & S3StorageOptions);

export function createObjectStorage(options: StorageOptions): ObjectStorage {
  switch (options.driver) {
    case 'filesystem':
      return new FileSystemStorage(options.root);
    case 's3':
      return new S3Storage(options);
  }
}
