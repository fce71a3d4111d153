import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { PipelineError } from '../../core/errors.js';
import type { Clock } from '../../ports/clock.js';
import {
  type MultipartOptions,
  type PresignedMultipart,
  type PresignedUpload,
  type PresignOptions,
  partSize,
  type UploadLanding,
} from '../../ports/upload-landing.js';
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

/** A part's checksum is checked as a header, as the single PUT's is. */
const PART_UNHOISTABLE = new Set(['x-amz-checksum-sha256']);

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

  /** Seconds until `expiresAt`, at most 900; a URL asked for again after its expiry is dead within a second. */
  private lifeOf(key: string, expiresAt: Date): number {
    const seconds = Math.max(
      1,
      Math.floor((expiresAt.getTime() - this.options.clock.now().getTime()) / 1000),
    );
    if (seconds > 900) {
      throw new PipelineError('content-invalid', 'an upload URL lives at most 900 seconds', {
        details: { key },
      });
    }
    return seconds;
  }

  async presignPut(key: string, options: PresignOptions): Promise<PresignedUpload> {
    assertObjectKey(key);
    const seconds = this.lifeOf(key, options.expiresAt);
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

  /**
   * SSE-KMS and the SHA-256 checksum algorithm are fixed here, by our role, so no part can choose
   * another key or go without a checksum.
   */
  async createMultipart(key: string): Promise<string> {
    assertObjectKey(key);
    try {
      const answer = await this.s3.send(
        new CreateMultipartUploadCommand({
          Bucket: this.options.bucket,
          Key: key,
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: this.options.sseKmsKeyId,
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      if (answer.UploadId === undefined) throw unavailable('create-multipart', key, undefined);
      return answer.UploadId;
    } catch (error) {
      if (error instanceof PipelineError) throw error;
      throw unavailable('create-multipart', key, error);
    }
  }

  /**
   * Presigned UploadPart per part with its size and SHA-256 as signed headers (S3 answers `400
   * BadDigest` to other bytes), and presigned ListParts and CompleteMultipartUpload: a client that
   * holds the answer can resume and finish without our API, until `expiresAt`.
   */
  async presignMultipart(
    key: string,
    uploadId: string,
    options: MultipartOptions,
  ): Promise<PresignedMultipart> {
    assertObjectKey(key);
    const expiresIn = this.lifeOf(key, options.expiresAt);
    const common = { Bucket: this.options.bucket, Key: key, UploadId: uploadId };
    const parts = await Promise.all(
      options.partSha256.map(async (checksum, i) => {
        const partNumber = i + 1;
        const url = await getSignedUrl(
          this.s3,
          new UploadPartCommand({
            ...common,
            PartNumber: partNumber,
            ContentLength: partSize(options.bytes, options.partBytes, partNumber),
            ChecksumSHA256: checksum,
          }),
          { expiresIn, unhoistableHeaders: PART_UNHOISTABLE, signableHeaders: new Set(['content-length']) },
        );
        return { partNumber, url, method: 'PUT' as const, headers: { 'x-amz-checksum-sha256': checksum } };
      }),
    );
    const listUrl = await getSignedUrl(this.s3, new ListPartsCommand({ ...common, MaxParts: 1000 }), {
      expiresIn,
    });
    const completeUrl = await getSignedUrl(this.s3, new CompleteMultipartUploadCommand(common), {
      expiresIn,
    });
    return {
      parts,
      listParts: { url: listUrl, method: 'GET', headers: {} },
      complete: { url: completeUrl, method: 'POST', headers: { 'content-type': 'application/xml' } },
    };
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    assertObjectKey(key);
    try {
      await this.s3.send(
        new AbortMultipartUploadCommand({ Bucket: this.options.bucket, Key: key, UploadId: uploadId }),
      );
    } catch (error) {
      if (isMissing(error) || awsErrorName(error) === 'NoSuchUpload') return;
      throw unavailable('abort-multipart', key, error);
    }
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
