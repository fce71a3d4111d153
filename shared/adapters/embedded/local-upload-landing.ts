import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { constantTimeEqual } from '../../core/encoding.js';
import { PipelineError } from '../../core/errors.js';
import type { Envelope } from '../../crypto/envelope.js';
import type { Clock } from '../../ports/clock.js';
import {
  type MultipartOptions,
  type PresignedMultipart,
  type PresignedUpload,
  type PresignOptions,
  partSize,
  type UploadLanding,
} from '../../ports/upload-landing.js';
import { hasErrorCode } from './durable-fs.js';
import { keysDirectory, loadOrCreateKeyFile } from './key-files.js';
import { type LandingAnswer, s3Error } from './landing-answer.js';
import { decryptLanding, landedFileContext } from './landing-file-cipher.js';
import { LandingMultipart, MAX_COMPLETE_BODY_BYTES, MAX_PARTS, UPLOAD_ID } from './landing-multipart.js';
import { isLanded, landStream } from './landing-write.js';
import { assertObjectKey } from './object-key.js';

export type { LandingAnswer } from './landing-answer.js';

/** A request to a signed landing URL, as the local host received it (headers lower-cased, body not read yet). */
export interface LandingRequest {
  readonly method: 'PUT' | 'GET' | 'POST';
  /** The URL path without its leading `/`: the landing key itself. */
  readonly key: string;
  readonly query: URLSearchParams;
  readonly contentLength: string | undefined;
  readonly checksumSha256: string | undefined;
  readonly body: AsyncIterable<Uint8Array>;
}

/** Only landing keys are accepted: `uploads/{partner}/{submissionId}/{index}`. */
const LANDING_KEY = /^uploads\/[a-z0-9][a-z0-9-]{0,63}\/[0-9a-f-]{36}\/\d{1,4}$/;
const CHECKSUM = /^[A-Za-z0-9+/]{43}=$/;
/** Signed URLs live at most this long (S3's presigned URLs here are given the same bound). */
export const MAX_UPLOAD_URL_SECONDS = 900;

const notSigned = (): LandingAnswer => s3Error(403, 'AccessDenied', 'Not a signed upload URL.', true);

/**
 * The landing zone of the embedded default: signed upload URLs on the local HTTPS host (HMAC-SHA-256
 * over the operation, key, upload id, part, expiry, size and checksum, under a key in PHI_HOME/keys),
 * files streamed to `PHI_HOME/landing/…` encrypted as they arrive (landing-file-cipher.ts), and S3's
 * answers: `403 SignatureDoesNotMatch` when the URL, the size or the `x-amz-checksum-sha256` header is
 * not the one signed, `403 AccessDenied` once expired, `411 MissingContentLength`, `400 BadDigest` when
 * the bytes' SHA-256 is not the declared one (nothing kept), `200` with an ETag (MD5 hex, as S3's).
 * Multipart uploads (UploadPart, ListParts, CompleteMultipartUpload) are landing-multipart.ts.
 */
export class LocalUploadLanding implements UploadLanding {
  private readonly root: string;
  private readonly multipart: LandingMultipart;
  private urlKey: Promise<Buffer> | undefined;

  constructor(
    private readonly home: string,
    private readonly options: {
      readonly publicUrl: string;
      readonly clock: Clock;
      readonly envelope: Envelope;
    },
  ) {
    this.root = join(home, 'landing');
    this.multipart = new LandingMultipart(this.root, options.envelope);
  }

  private urlSigningKey(): Promise<Buffer> {
    this.urlKey ??= loadOrCreateKeyFile(join(keysDirectory(this.home), 'upload-landing.key'), () =>
      randomBytes(32),
    ).then((master) => Buffer.from(hkdfSync('sha256', master, '', 'phi-landing-urls/1', 32)));
    return this.urlKey;
  }

  private pathOf(key: string): string {
    assertObjectKey(key);
    return join(this.root, ...key.split('/'));
  }

  /** One line per signed value; the first names the operation, so no URL serves another. */
  private async signature(...lines: readonly string[]): Promise<Buffer> {
    return createHmac('sha256', await this.urlSigningKey())
      .update(lines.join('\n'))
      .digest();
  }

  private async signedQuery(
    lines: readonly string[],
    expires: string,
    extra: Record<string, string>,
  ): Promise<string> {
    const sig = await this.signature(...lines);
    return new URLSearchParams({
      ...extra,
      'X-Phi-Expires': expires,
      'X-Phi-Signature': sig.toString('base64url'),
    }).toString();
  }

  async presignPut(key: string, options: PresignOptions): Promise<PresignedUpload> {
    assertObjectKey(key);
    if (!CHECKSUM.test(options.checksumSha256) || !Number.isSafeInteger(options.bytes) || options.bytes < 0) {
      throw new PipelineError('content-invalid', 'an upload URL needs a SHA-256 checksum and a size', {
        details: { key },
      });
    }
    const expires = String(Math.floor(options.expiresAt.getTime() / 1000));
    const bytes = String(options.bytes);
    const query = await this.signedQuery(['PUT', key, expires, bytes, options.checksumSha256], expires, {
      'X-Phi-Bytes': bytes,
    });
    return {
      url: `${this.options.publicUrl}/${key}?${query}`,
      headers: { 'x-amz-checksum-sha256': options.checksumSha256 },
    };
  }

  async createMultipart(key: string): Promise<string> {
    assertObjectKey(key);
    return this.multipart.create(key);
  }

  async presignMultipart(
    key: string,
    uploadId: string,
    options: MultipartOptions,
  ): Promise<PresignedMultipart> {
    assertObjectKey(key);
    if (
      !UPLOAD_ID.test(uploadId) ||
      options.partSha256.length > MAX_PARTS ||
      !options.partSha256.every((c) => CHECKSUM.test(c))
    ) {
      throw new PipelineError(
        'content-invalid',
        'a multipart upload needs its id and SHA-256 part checksums',
        {
          details: { key },
        },
      );
    }
    const expires = String(Math.floor(options.expiresAt.getTime() / 1000));
    const base = `${this.options.publicUrl}/${key}`;
    const parts = await Promise.all(
      options.partSha256.map(async (checksum, i) => {
        const partNumber = i + 1;
        const bytes = String(partSize(options.bytes, options.partBytes, partNumber));
        const query = await this.signedQuery(
          ['PUT-PART', key, uploadId, String(partNumber), expires, bytes, checksum],
          expires,
          { uploadId, partNumber: String(partNumber), 'X-Phi-Bytes': bytes },
        );
        return {
          partNumber,
          url: `${base}?${query}`,
          method: 'PUT' as const,
          headers: { 'x-amz-checksum-sha256': checksum },
        };
      }),
    );
    const list = await this.signedQuery(['LIST', key, uploadId, expires], expires, { uploadId });
    const complete = await this.signedQuery(['COMPLETE', key, uploadId, expires], expires, { uploadId });
    return {
      parts,
      listParts: { url: `${base}?${list}`, method: 'GET', headers: {} },
      complete: {
        url: `${base}?${complete}`,
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
      },
    };
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    assertObjectKey(key);
    await this.multipart.abort(key, uploadId);
  }

  /**
   * Serves one request to a signed URL: checks the signature, expiry and size before reading a byte,
   * then streams (a whole file or a part), lists parts, or completes a multipart upload.
   */
  async receive(req: LandingRequest): Promise<LandingAnswer> {
    const expires = req.query.get('X-Phi-Expires') ?? '';
    const given = Buffer.from(req.query.get('X-Phi-Signature') ?? '', 'base64url');
    const uploadId = req.query.get('uploadId');
    if (!LANDING_KEY.test(req.key) || !/^\d{1,12}$/.test(expires)) return notSigned();
    if (uploadId !== null && !UPLOAD_ID.test(uploadId)) return notSigned();
    const checksum = req.checksumSha256 ?? '';
    const bytes = req.query.get('X-Phi-Bytes') ?? '';
    const partNumber = req.query.get('partNumber') ?? '';
    let lines: string[];
    if (req.method === 'PUT' && uploadId === null) lines = ['PUT', req.key, expires, bytes, checksum];
    else if (req.method === 'PUT' && uploadId !== null) {
      if (!/^[1-9]\d{0,4}$/.test(partNumber) || Number(partNumber) > MAX_PARTS) return notSigned();
      lines = ['PUT-PART', req.key, uploadId, partNumber, expires, bytes, checksum];
    } else if (uploadId !== null)
      lines = [req.method === 'GET' ? 'LIST' : 'COMPLETE', req.key, uploadId, expires];
    else return notSigned();
    if (req.method === 'PUT' && !/^\d{1,13}$/.test(bytes)) return notSigned();
    const expected = await this.signature(...lines);
    if (!constantTimeEqual(new Uint8Array(given), new Uint8Array(expected))) {
      return s3Error(
        403,
        'SignatureDoesNotMatch',
        'The signature, or a signed header (x-amz-checksum-sha256), does not match.',
        true,
      );
    }
    if (this.options.clock.now().getTime() > Number(expires) * 1000) {
      return s3Error(403, 'AccessDenied', 'Request has expired.', true);
    }
    if (req.method === 'GET') return this.multipart.list(req.key, uploadId ?? '');
    if (req.method === 'POST') return this.complete(req, uploadId ?? '');
    if (req.contentLength === undefined) {
      return s3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.', true);
    }
    if (req.contentLength !== bytes) {
      // content-length is a signed header of S3's presigned PUT, so a different size fails the signature.
      return s3Error(403, 'SignatureDoesNotMatch', 'Content-Length is not the signed size.', true);
    }
    const declared = { bytes: Number(bytes), checksumSha256: checksum };
    if (uploadId !== null)
      return this.multipart.putPart(req.key, uploadId, Number(partNumber), declared, req.body);
    return this.store(req.key, declared, req.body);
  }

  private async complete(req: LandingRequest, uploadId: string): Promise<LandingAnswer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req.body) {
      size += chunk.byteLength;
      if (size > MAX_COMPLETE_BODY_BYTES) {
        return s3Error(400, 'MaxMessageLengthExceeded', 'Your request was too big.');
      }
      chunks.push(Buffer.from(chunk));
    }
    return this.multipart.complete(
      req.key,
      uploadId,
      Buffer.concat(chunks).toString('utf8'),
      this.pathOf(req.key),
    );
  }

  private async store(
    key: string,
    declared: { readonly bytes: number; readonly checksumSha256: string },
    body: AsyncIterable<Uint8Array>,
  ): Promise<LandingAnswer> {
    const path = this.pathOf(key);
    const landed = await landStream(this.options.envelope, landedFileContext(key), path, declared, body);
    if (!isLanded(landed)) return landed;
    // A later PUT replaces an earlier completed multipart upload, as on S3.
    await this.multipart.removeAssembled(path);
    const eTag = `"${landed.md5}"`;
    return {
      status: 200,
      headers: { ETag: eTag, 'x-amz-checksum-sha256': landed.sha256 },
      body: '',
      landed: { key, size: landed.size, eTag, how: 'Put' },
    };
  }

  async open(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const path = this.pathOf(key);
    if (await this.isFile(key, path)) {
      return decryptLanding(this.options.envelope, landedFileContext(key), createReadStream(path));
    }
    return this.multipart.openAssembled(path);
  }

  private async isFile(key: string, path: string): Promise<boolean> {
    try {
      return (await lstat(path)).isFile();
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT', 'ENOTDIR')) return false;
      throw new PipelineError('store-unavailable', 'landing zone stat failed', {
        retryable: true,
        details: { key },
        cause: error,
      });
    }
  }

  async exists(key: string): Promise<boolean> {
    const path = this.pathOf(key);
    return (await this.isFile(key, path)) || (await this.multipart.isAssembled(path));
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (error) {
      if (!hasErrorCode(error, 'ENOENT', 'ENOTDIR')) {
        throw new PipelineError('store-unavailable', 'landing zone delete failed', {
          retryable: true,
          details: { key },
          cause: error,
        });
      }
    }
    await this.multipart.removeAssembled(path);
  }
}
