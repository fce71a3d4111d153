import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PipelineError } from '../../core/errors.js';
import type { ObjectStore, PutOptions, StoredObject } from '../../ports/object-store.js';
import { assertObjectKey, assertObjectPrefix } from '../embedded/object-key.js';
import { awsErrorName, awsFailureDetails, awsHttpStatus } from './aws-errors.js';

export interface S3ObjectStoreOptions {
  readonly bucket: string;
  /** Prepended to every key, e.g. `registry/`; keys in and out of the port never show it. */
  readonly prefix?: string;
  /** SSE-KMS key for the second layer under the envelope; without it the bucket's default KMS key. */
  readonly sseKmsKeyId?: string;
  /** Attempts at a create-if-absent that S3 answers with 409 ConditionalRequestConflict. Default 4. */
  readonly conflictAttempts?: number;
  /** Multipart part size for `putStream` (S3 minimum 5 MiB; 10,000 parts make the largest object). Default 8 MiB. */
  readonly partSize?: number;
  /** Parts of one `putStream` in flight at once; memory is about partSize x (queueSize + 1). Default 3. */
  readonly queueSize?: number;
}

const PREFIX = /^(?:[A-Za-z0-9!_.*'()-]+\/)*$/;

const unavailable = (operation: string, key: string, cause: unknown): PipelineError =>
  new PipelineError('store-unavailable', `object store ${operation} failed`, {
    retryable: true,
    details: { operation, key, ...awsFailureDetails(cause) },
    cause,
  });

const isMissing = (error: unknown): boolean => {
  const name = awsErrorName(error);
  return (
    name === 'NoSuchKey' || name === 'NotFound' || (name !== 'NoSuchBucket' && awsHttpStatus(error) === 404)
  );
};

/**
 * ObjectStore on one S3 bucket (optionally under a key prefix). Every put carries a SHA-256 checksum
 * S3 verifies on receipt and SSE-KMS as a second encryption layer; gets ask S3 for the checksum back
 * so the SDK verifies what it read. Create-if-absent is `If-None-Match: *`.
 */
export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  private readonly prefix: string;
  private readonly sseKmsKeyId: string | undefined;
  private readonly conflictAttempts: number;

  constructor(
    private readonly s3: S3Client,
    options: S3ObjectStoreOptions,
  ) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    if (!PREFIX.test(this.prefix)) {
      throw new PipelineError('config-invalid', 'an S3 key prefix is empty or whole segments ending in /', {
        details: { rule: 'prefix' },
      });
    }
    this.sseKmsKeyId = options.sseKmsKeyId;
    this.conflictAttempts = options.conflictAttempts ?? 4;
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
    this.queueSize = options.queueSize ?? 3;
  }

  private readonly partSize: number;
  private readonly queueSize: number;

  private objectKey(key: string): string {
    assertObjectKey(key);
    return `${this.prefix}${key}`;
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<{ created: boolean }> {
    const input: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: this.objectKey(key),
      Body: body,
      ContentLength: body.byteLength,
      ChecksumAlgorithm: 'SHA256',
      ServerSideEncryption: 'aws:kms',
      ...(this.sseKmsKeyId === undefined ? {} : { SSEKMSKeyId: this.sseKmsKeyId }),
      ...(options.contentType === undefined ? {} : { ContentType: options.contentType }),
      ...(options.ifAbsent ? { IfNoneMatch: '*' } : {}),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.s3.send(new PutObjectCommand(input));
        return { created: true };
      } catch (error) {
        const name = awsErrorName(error);
        if (options.ifAbsent && (name === 'PreconditionFailed' || awsHttpStatus(error) === 412)) {
          return { created: false };
        }
        // 409: another conditional write to this key was in flight; S3 asks us to try again.
        const conflict = name === 'ConditionalRequestConflict' || awsHttpStatus(error) === 409;
        if (options.ifAbsent && conflict && attempt < this.conflictAttempts) {
          await sleep(20 * 2 ** attempt * Math.random());
          continue;
        }
        throw unavailable('write', key, error);
      }
    }
  }

  /**
   * Multipart upload through lib-storage (a single PutObject when the body fits in one part), with the
   * same SHA-256 checksums (per part), SSE-KMS settings and `If-None-Match: *` as `put`: lib-storage
   * passes IfNoneMatch to PutObject and to CompleteMultipartUpload, and S3 evaluates it at completion,
   * so the object appears whole or not at all and an existing key is never replaced. The body is sent
   * before S3 can say the key exists (`created: false` then costs one upload, which is aborted), and a
   * 409 from a concurrent conditional write cannot be retried with a consumed body: it rejects
   * `store-unavailable`, retryable, so the caller's message is tried again.
   */
  async putStream(
    key: string,
    body: AsyncIterable<Uint8Array>,
    options: PutOptions = {},
  ): Promise<{ created: boolean; bytes: number }> {
    const objectKey = this.objectKey(key);
    let bytes = 0;
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const chunk of body) {
        bytes += chunk.byteLength;
        yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      }
    }
    const upload = new Upload({
      client: this.s3,
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
      params: {
        Bucket: this.bucket,
        Key: objectKey,
        Body: Readable.from(counted(), { objectMode: false, highWaterMark: 64 * 1024 }),
        ChecksumAlgorithm: 'SHA256',
        ServerSideEncryption: 'aws:kms',
        ...(this.sseKmsKeyId === undefined ? {} : { SSEKMSKeyId: this.sseKmsKeyId }),
        ...(options.contentType === undefined ? {} : { ContentType: options.contentType }),
        ...(options.ifAbsent ? { IfNoneMatch: '*' } : {}),
      },
    });
    try {
      await upload.done();
      return { created: true, bytes };
    } catch (error) {
      // The body's own failure (e.g. the envelope refusing) passes through as it is.
      if (error instanceof PipelineError) throw error;
      const name = awsErrorName(error);
      if (options.ifAbsent && (name === 'PreconditionFailed' || awsHttpStatus(error) === 412)) {
        return { created: false, bytes };
      }
      throw unavailable('write', key, error);
    }
  }

  async getStream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const objectKey = this.objectKey(key);
    let body: AsyncIterable<Uint8Array>;
    try {
      const response = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: objectKey, ChecksumMode: 'ENABLED' }),
      );
      if (response.Body === undefined) return (async function* () {})();
      body = response.Body as unknown as AsyncIterable<Uint8Array>;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw unavailable('read', key, error);
    }
    return (async function* () {
      try {
        // The SDK checks a whole-object checksum at the end of the body (composite multipart ones it skips).
        for await (const chunk of body) yield chunk;
      } catch (error) {
        throw unavailable('read', key, error);
      }
    })();
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const objectKey = this.objectKey(key);
    try {
      const response = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: objectKey, ChecksumMode: 'ENABLED' }),
      );
      const body =
        response.Body === undefined ? new Uint8Array() : await response.Body.transformToByteArray();
      return { body, contentType: response.ContentType };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw unavailable('read', key, error);
    }
  }

  async exists(key: string): Promise<boolean> {
    const objectKey = this.objectKey(key);
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw unavailable('stat', key, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    assertObjectPrefix(prefix);
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.s3.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: `${this.prefix}${prefix}`,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key !== undefined) keys.push(object.Key.slice(this.prefix.length));
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (error) {
      throw unavailable('list', prefix, error);
    }
    // S3 lists in UTF-8 byte order, which for the safe key alphabet is code-unit order.
    return keys;
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    } catch (error) {
      if (isMissing(error)) return;
      throw unavailable('delete', key, error);
    }
  }
}
