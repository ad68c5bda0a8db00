/**
 * Where meme images and videos live. Two adapters pass one contract suite: FileSystemStorage
 * (objects under DATA_DIR, served by this API) and S3Storage (any S3-compatible bucket).
 *
 * Objects are immutable: a key names one content forever, so clients may cache it forever
 * (IMMUTABLE_CACHE_CONTROL). Keys follow the rules of object-key.ts in every adapter.
 *
 * Failure mode: errors propagate. A failed put rejects, so the caller never records an object
 * that was not stored; whether that surfaces as 503 is the caller's decision.
 */
export abstract class ObjectStorage {
  /**
   * Stores immutable bytes under a key. Keys are unique; writing the same key twice with the same
   * bytes is harmless. The key's extension must be the one of `contentType` (see object-key.ts).
   */
  abstract put(key: string, data: Buffer, contentType: string): Promise<void>;

  /**
   * Where a client should be redirected to fetch the object: an absolute presigned URL for S3, or
   * an absolute-path URL like `/objects/<key>` served by this API for the filesystem.
   */
  abstract urlFor(key: string): Promise<string>;

  /** Removes the object; a key with no object is not an error. */
  abstract delete(key: string): Promise<void>;
}

/** Sent with every object: its bytes never change under its key, so caches may keep it a year. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
