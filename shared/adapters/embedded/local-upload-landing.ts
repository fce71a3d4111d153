import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { constantTimeEqual } from '../../core/encoding.js';
import { PipelineError } from '../../core/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { PresignedUpload, PresignOptions, UploadLanding } from '../../ports/upload-landing.js';
import { ensureDirectory, FILE_MODE, fsyncDirectory, hasErrorCode } from './durable-fs.js';
import { keysDirectory, loadOrCreateKeyFile } from './key-files.js';
import { decryptLanding, encryptLanding } from './landing-file-cipher.js';
import { assertObjectKey } from './object-key.js';

/** A PUT to a signed upload URL, as the local host received it (headers lower-cased, body not read yet). */
export interface LandingPutRequest {
  /** The URL path without its leading `/`: the landing key itself. */
  readonly key: string;
  readonly query: URLSearchParams;
  readonly contentLength: string | undefined;
  readonly checksumSha256: string | undefined;
  readonly body: AsyncIterable<Uint8Array>;
}

/** What the host answers, S3's way: 200 with an ETag, or an XML `<Error>` with S3's code. */
export interface LandingPutAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Set when a file landed: what S3 puts in its `ObjectCreated:Put` event record. */
  readonly landed?: { readonly key: string; readonly size: number; readonly eTag: string };
  /** True when the refusal came before the body was read: the host closes the connection. */
  readonly bodyUnread?: boolean;
}

/** Only landing keys are accepted: `uploads/{partner}/{submissionId}/{index}`. */
const LANDING_KEY = /^uploads\/[a-z0-9][a-z0-9-]{0,63}\/[0-9a-f-]{36}\/\d{1,4}$/;
const CHECKSUM = /^[A-Za-z0-9+/]{43}=$/;
/** Signed URLs live at most this long (S3's presigned URLs here are given the same bound). */
export const MAX_UPLOAD_URL_SECONDS = 900;

function s3Error(status: number, code: string, message: string, bodyUnread = false): LandingPutAnswer {
  return {
    status,
    headers: { 'Content-Type': 'application/xml' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    bodyUnread,
  };
}

/**
 * The landing zone of the embedded default: signed upload URLs on the local HTTPS host (HMAC-SHA-256
 * over method, key, expiry, size and checksum, under a key in PHI_HOME/keys), files streamed to
 * `PHI_HOME/landing/…` encrypted as they arrive (landing-file-cipher.ts), and S3's answers: `403
 * SignatureDoesNotMatch` when the URL, the size or the `x-amz-checksum-sha256` header is not the one
 * signed, `403 AccessDenied` once expired, `411 MissingContentLength`, `400 BadDigest` when the bytes'
 * SHA-256 is not the declared one (nothing kept), `200` with an ETag (MD5 hex, as S3's single PUT).
 */
export class LocalUploadLanding implements UploadLanding {
  private readonly root: string;
  private material: Promise<{ files: Buffer; urls: Buffer }> | undefined;

  constructor(
    private readonly home: string,
    private readonly options: { readonly publicUrl: string; readonly clock: Clock },
  ) {
    this.root = join(home, 'landing');
  }

  private keys(): Promise<{ files: Buffer; urls: Buffer }> {
    this.material ??= loadOrCreateKeyFile(join(keysDirectory(this.home), 'upload-landing.key'), () =>
      randomBytes(32),
    ).then((master) => ({
      files: Buffer.from(hkdfSync('sha256', master, '', 'phi-landing-files/1', 32)),
      urls: Buffer.from(hkdfSync('sha256', master, '', 'phi-landing-urls/1', 32)),
    }));
    return this.material;
  }

  private pathOf(key: string): string {
    assertObjectKey(key);
    return join(this.root, ...key.split('/'));
  }

  private async signature(key: string, expires: string, bytes: string, checksum: string): Promise<Buffer> {
    const { urls } = await this.keys();
    return createHmac('sha256', urls).update(`PUT\n${key}\n${expires}\n${bytes}\n${checksum}`).digest();
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
    const sig = await this.signature(key, expires, bytes, options.checksumSha256);
    const query = new URLSearchParams({
      'X-Phi-Expires': expires,
      'X-Phi-Bytes': bytes,
      'X-Phi-Signature': sig.toString('base64url'),
    });
    return {
      url: `${this.options.publicUrl}/${key}?${query.toString()}`,
      headers: { 'x-amz-checksum-sha256': options.checksumSha256 },
    };
  }

  /** Serves one PUT: checks the signature before reading a byte, then streams, hashes and encrypts. */
  async receive(req: LandingPutRequest): Promise<LandingPutAnswer> {
    const expires = req.query.get('X-Phi-Expires') ?? '';
    const bytes = req.query.get('X-Phi-Bytes') ?? '';
    const given = Buffer.from(req.query.get('X-Phi-Signature') ?? '', 'base64url');
    const checksum = req.checksumSha256 ?? '';
    if (!LANDING_KEY.test(req.key) || !/^\d{1,12}$/.test(expires) || !/^\d{1,13}$/.test(bytes)) {
      return s3Error(403, 'AccessDenied', 'Not a signed upload URL.', true);
    }
    const expected = await this.signature(req.key, expires, bytes, checksum);
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
    if (req.contentLength === undefined) {
      return s3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.', true);
    }
    if (req.contentLength !== bytes) {
      // content-length is a signed header of S3's presigned PUT, so a different size fails the signature.
      return s3Error(403, 'SignatureDoesNotMatch', 'Content-Length is not the signed size.', true);
    }
    return this.store(req.key, Number(bytes), checksum, req.body);
  }

  private async store(
    key: string,
    declared: number,
    checksum: string,
    body: AsyncIterable<Uint8Array>,
  ): Promise<LandingPutAnswer> {
    const path = this.pathOf(key);
    await ensureDirectory(dirname(path));
    const temp = join(dirname(path), `.tmp-${randomBytes(8).toString('hex')}`);
    const sha256 = createHash('sha256');
    const md5 = createHash('md5');
    let size = 0;
    async function* measured(): AsyncIterable<Uint8Array> {
      for await (const chunk of body) {
        size += chunk.byteLength;
        sha256.update(chunk);
        md5.update(chunk);
        yield chunk;
      }
    }
    const { files } = await this.keys();
    const handle = await open(temp, 'wx', FILE_MODE);
    let kept = false;
    try {
      for await (const frame of encryptLanding(files, key, measured())) await handle.write(frame);
      if (size !== declared) {
        return s3Error(400, 'IncompleteBody', 'You did not provide the number of bytes specified.');
      }
      const digest = sha256.digest('base64');
      if (!constantTimeEqual(Buffer.from(digest), Buffer.from(checksum))) {
        return s3Error(400, 'BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
      }
      await handle.sync();
      await handle.close();
      await rename(temp, path);
      kept = true;
      await fsyncDirectory(dirname(path));
      const eTag = `"${md5.digest('hex')}"`;
      return {
        status: 200,
        headers: { ETag: eTag, 'x-amz-checksum-sha256': digest },
        body: '',
        landed: { key, size, eTag },
      };
    } finally {
      await handle.close().catch(() => undefined);
      if (!kept) await unlink(temp).catch(() => undefined);
    }
  }

  async open(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    if (!(await this.exists(key))) return undefined;
    const { files } = await this.keys();
    return decryptLanding(files, key, createReadStream(this.pathOf(key)));
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await lstat(this.pathOf(key))).isFile();
    } catch (error) {
      if (hasErrorCode(error, 'ENOENT', 'ENOTDIR')) return false;
      throw new PipelineError('store-unavailable', 'landing zone stat failed', {
        retryable: true,
        details: { key },
        cause: error,
      });
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (error) {
      if (!hasErrorCode(error, 'ENOENT', 'ENOTDIR')) {
        throw new PipelineError('store-unavailable', 'landing zone delete failed', {
          retryable: true,
          details: { key },
          cause: error,
        });
      }
    }
  }
}
