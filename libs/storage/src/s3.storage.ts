import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { assertStorable, assertValidObjectKey } from './object-key';
import { IMMUTABLE_CACHE_CONTROL, ObjectStorage } from './object-storage.port';

export interface S3StorageOptions {
  readonly bucket: string;
  /** Default 'us-east-1'. */
  readonly region?: string;
  /** An S3-compatible server (MinIO, R2 …); unset for AWS S3. */
  readonly endpoint?: string;
  /** Bucket in the URL path rather than the host name. Default: true when `endpoint` is set. */
  readonly forcePathStyle?: boolean;
  /** Both or neither; neither uses the SDK's default chain (environment, profile, instance role). */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** How long a URL from urlFor stays valid. Default 3600; at most 604800, the SigV4 limit. */
  readonly presignSeconds?: number;
}

const DEFAULT_REGION = 'us-east-1';
const DEFAULT_PRESIGN_SECONDS = 3600;
const MAX_PRESIGN_SECONDS = 604_800;
const MAX_ATTEMPTS = 3;
const CONNECTION_TIMEOUT_MS = 2_000;
/** Per attempt, request and response: room for a few-MB video on a datacentre link. */
const REQUEST_TIMEOUT_MS = 5_000;

/**
 * Objects in an S3 bucket, handed out as presigned GET URLs so the bucket can stay private.
 *
 * A request that hangs fails after REQUEST_TIMEOUT_MS and is retried, MAX_ATTEMPTS in all: at
 * worst about 15 s before put or delete rejects.
 */
export class S3Storage extends ObjectStorage {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly presignSeconds: number;

  constructor(options: S3StorageOptions) {
    super();
    this.bucket = options.bucket;
    this.presignSeconds = options.presignSeconds ?? DEFAULT_PRESIGN_SECONDS;
    if (!Number.isInteger(this.presignSeconds) || this.presignSeconds < 1 || this.presignSeconds > MAX_PRESIGN_SECONDS) {
      throw new Error(`presignSeconds must be a whole number from 1 to ${MAX_PRESIGN_SECONDS}, not ${this.presignSeconds}`);
    }
    const { accessKeyId, secretAccessKey } = options;
    if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
      throw new Error('Give both accessKeyId and secretAccessKey, or neither to use the default credential chain');
    }
    this.client = new S3Client({
      region: options.region ?? DEFAULT_REGION,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      credentials: accessKeyId !== undefined && secretAccessKey !== undefined ? { accessKeyId, secretAccessKey } : undefined,
      maxAttempts: MAX_ATTEMPTS,
      // Constructor options of the SDK's NodeHttpHandler. Without throwOnRequestTimeout an
      // expired requestTimeout only logs a warning and the request keeps waiting.
      requestHandler: {
        connectionTimeout: CONNECTION_TIMEOUT_MS,
        requestTimeout: REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      },
      // Recent SDKs add CRC32 checksums to every upload and `x-amz-checksum-mode=ENABLED` to
      // presigned GET URLs by default; several S3-compatible servers (older MinIO, R2, Backblaze
      // B2 …) reject or mishandle them. Only operations that require a checksum get one: our
      // bodies are small Buffers sent whole over TLS, which already protects them in transit.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, data: Buffer, contentType: string): Promise<void> {
    assertStorable(key, contentType);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: data,
        ContentType: contentType,
        CacheControl: IMMUTABLE_CACHE_CONTROL,
      }),
    );
  }

  async urlFor(key: string): Promise<string> {
    assertValidObjectKey(key);
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: this.presignSeconds,
    });
  }

  async delete(key: string): Promise<void> {
    assertValidObjectKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}
