import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { PipelineError } from '../../core/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { PresignedUpload, PresignOptions, UploadLanding } from '../../ports/upload-landing.js';
import { assertObjectKey } from '../embedded/object-key.js';
import { awsErrorName, awsFailureDetails, awsHttpStatus } from './aws-errors.js';

export interface S3UploadLandingOptions {
  readonly bucket: string;
  /** SSE-KMS key the landed files are encrypted under (the bucket policy refuses any other). */
  readonly sseKmsKeyId: string;
  readonly clock: Clock;
}

/**
 * Headers the partner must send as signed: S3 then refuses a body whose SHA-256 differs (`400
 * BadDigest`), a different checksum or size (`403 SignatureDoesNotMatch`), and stores the file under
 * our KMS key. Kept out of the query string so they are checked as headers, not merely carried.
 */
const UNHOISTABLE = new Set([
  'x-amz-checksum-sha256',
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
]);

const unavailable = (operation: string, key: string, cause: unknown): PipelineError =>
  new PipelineError('store-unavailable', `landing zone ${operation} failed`, {
    retryable: true,
    details: { operation, key, ...awsFailureDetails(cause) },
    cause,
  });

const isMissing = (error: unknown): boolean => {
  const name = awsErrorName(error);
  return name === 'NoSuchKey' || name === 'NotFound' || awsHttpStatus(error) === 404;
};

/**
 * The landing zone on S3: presigned single PUTs into `uploads/…` of the data bucket, with the file's
 * SHA-256 (`ChecksumSHA256`), its size (`Content-Length`) and SSE-KMS in the signature. The bucket's
 * lifecycle rule expires `uploads/` after a day, whatever the pipeline did with them.
 */
export class S3UploadLanding implements UploadLanding {
  constructor(
    private readonly s3: S3Client,
    private readonly options: S3UploadLandingOptions,
  ) {}

  async presignPut(key: string, options: PresignOptions): Promise<PresignedUpload> {
    assertObjectKey(key);
    // A URL asked for again after its expiry (a repeated manifest) still gets one, dead within a second.
    const seconds = Math.max(
      1,
      Math.floor((options.expiresAt.getTime() - this.options.clock.now().getTime()) / 1000),
    );
    if (seconds > 900) {
      throw new PipelineError('content-invalid', 'an upload URL lives at most 900 seconds', {
        details: { key },
      });
    }
    const command = new PutObjectCommand({
      Bucket: this.options.bucket,
      Key: key,
      ContentLength: options.bytes,
      ChecksumSHA256: options.checksumSha256,
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: this.options.sseKmsKeyId,
    });
    const url = await getSignedUrl(this.s3, command, {
      expiresIn: seconds,
      unhoistableHeaders: UNHOISTABLE,
      signableHeaders: new Set(['content-length']),
    });
    return {
      url,
      headers: {
        'x-amz-checksum-sha256': options.checksumSha256,
        'x-amz-server-side-encryption': 'aws:kms',
        'x-amz-server-side-encryption-aws-kms-key-id': this.options.sseKmsKeyId,
      },
    };
  }

  async open(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    assertObjectKey(key);
    try {
      const answer = await this.s3.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: key, ChecksumMode: 'ENABLED' }),
      );
      const body = answer.Body as AsyncIterable<Uint8Array> | undefined;
      if (body === undefined || !(Symbol.asyncIterator in body)) throw unavailable('read', key, undefined);
      return body;
    } catch (error) {
      if (isMissing(error)) return undefined;
      if (error instanceof PipelineError) throw error;
      throw unavailable('read', key, error);
    }
  }

  async exists(key: string): Promise<boolean> {
    assertObjectKey(key);
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw unavailable('stat', key, error);
    }
  }

  async delete(key: string): Promise<void> {
    assertObjectKey(key);
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
    } catch (error) {
      if (isMissing(error)) return;
      throw unavailable('delete', key, error);
    }
  }
}
