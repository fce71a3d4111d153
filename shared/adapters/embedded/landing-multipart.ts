import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PipelineError } from '../../core/errors.js';
import type { Envelope } from '../../crypto/envelope.js';
import { ensureDirectory, fsyncDirectory, hasErrorCode, writeFileDurably } from './durable-fs.js';
import { type LandingAnswer, s3Error, s3Xml, xmlText } from './landing-answer.js';
import { decryptLanding, landedPartContext } from './landing-file-cipher.js';
import { isLanded, landStream } from './landing-write.js';

/** Upload ids of the local landing zone: 128 random bits, hex. */
export const UPLOAD_ID = /^[0-9a-f]{32}$/;
/** S3's smallest part, except the last (`EntityTooSmall` at completion). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/** S3's largest part number. */
export const MAX_PARTS = 10_000;
/** A completion body lists at most 10,000 parts of about 200 bytes each. */
export const MAX_COMPLETE_BODY_BYTES = 4 * 1024 * 1024;

interface PartRecord {
  readonly partNumber: number;
  readonly size: number;
  readonly eTag: string;
  readonly checksumSha256: string;
  readonly lastModified: string;
}

interface Assembly {
  readonly key: string;
  readonly uploadId: string;
  readonly parts: readonly { readonly partNumber: number; readonly size: number }[];
}

const noSuchUpload = (): LandingAnswer =>
  s3Error(404, 'NoSuchUpload', 'The specified upload does not exist. It may have been aborted or completed.');

const unavailable = (operation: string, cause: unknown): PipelineError =>
  new PipelineError('store-unavailable', `landing zone ${operation} failed`, {
    retryable: true,
    details: { operation },
    cause,
  });

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw unavailable('read', error);
  }
}

/** The `<Part>` list of an S3 CompleteMultipartUpload body; undefined when it is not one. */
export function completedParts(
  xml: string,
): { partNumber: number; eTag: string; checksumSha256?: string }[] | undefined {
  if (!/^\s*(<\?xml[^>]*\?>\s*)?<CompleteMultipartUpload[\s>]/.test(xml)) return undefined;
  const parts: { partNumber: number; eTag: string; checksumSha256?: string }[] = [];
  for (const [, inner = ''] of xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(inner)?.[1]?.trim();
    const partNumber = Number(field('PartNumber'));
    const eTag = (field('ETag') ?? '').replace(/&quot;|&#34;/g, '"').replace(/"/g, '');
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS || eTag === '')
      return undefined;
    const checksumSha256 = field('ChecksumSHA256');
    parts.push({ partNumber, eTag, ...(checksumSha256 === undefined ? {} : { checksumSha256 }) });
  }
  return parts.length === 0 ? undefined : parts;
}

/**
 * Multipart uploads of the local landing zone, S3's semantics: parts land, encrypted, under
 * `landing/.multipart/{uploadId}/`; ListParts reports them; CompleteMultipartUpload checks the listed
 * parts (order, ETags, checksums, 5 MiB minimum) and moves the upload, as is, next to where a single
 * PUT would land (`{file}.parts/`, with the part order in `assembly.json`). Nothing is copied: the
 * landed file is read back as its parts in order.
 */
export class LandingMultipart {
  constructor(
    private readonly root: string,
    private readonly envelope: Envelope,
  ) {}

  private dirOf(uploadId: string): string {
    return join(this.root, '.multipart', uploadId);
  }

  async create(key: string): Promise<string> {
    const uploadId = randomBytes(16).toString('hex');
    await writeFileDurably(join(this.dirOf(uploadId), 'upload.json'), Buffer.from(JSON.stringify({ key })));
    return uploadId;
  }

  /** Whether `uploadId` is an open upload for `key`. */
  private async isOpen(key: string, uploadId: string): Promise<boolean> {
    if (!UPLOAD_ID.test(uploadId)) return false;
    return (await readJson<{ key?: string }>(join(this.dirOf(uploadId), 'upload.json')))?.key === key;
  }

  async putPart(
    key: string,
    uploadId: string,
    partNumber: number,
    expected: { readonly bytes: number; readonly checksumSha256: string },
    body: AsyncIterable<Uint8Array>,
  ): Promise<LandingAnswer> {
    if (!(await this.isOpen(key, uploadId))) return { ...noSuchUpload(), bodyUnread: true };
    const dir = this.dirOf(uploadId);
    let landed: Awaited<ReturnType<typeof landStream>>;
    try {
      landed = await landStream(
        this.envelope,
        landedPartContext(key, uploadId, partNumber),
        join(dir, `part-${partNumber}`),
        expected,
        body,
      );
    } catch (error) {
      // The abort removed the folder under the part's temporary file.
      if (!(await this.isOpen(key, uploadId))) return this.refuseAborted(dir);
      throw error;
    }
    if (!isLanded(landed)) return landed;
    const record: PartRecord = {
      partNumber,
      size: landed.size,
      eTag: landed.md5,
      checksumSha256: landed.sha256,
      lastModified: new Date().toISOString(),
    };
    await writeFileDurably(join(dir, `part-${partNumber}.json`), Buffer.from(JSON.stringify(record)));
    // An abort (the submission settled) while this part streamed removed the upload; writing the part
    // recreated its folder. S3 refuses such a part: so do we, and nothing of it stays behind.
    if (!(await this.isOpen(key, uploadId))) return this.refuseAborted(dir);
    return {
      status: 200,
      headers: { ETag: `"${landed.md5}"`, 'x-amz-checksum-sha256': landed.sha256 },
      body: '',
    };
  }

  private async refuseAborted(dir: string): Promise<LandingAnswer> {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    return noSuchUpload();
  }

  private async parts(uploadId: string): Promise<PartRecord[]> {
    const names = await readdir(this.dirOf(uploadId)).catch((error: unknown) => {
      if (hasErrorCode(error, 'ENOENT', 'ENOTDIR')) return [] as string[];
      throw unavailable('list', error);
    });
    const records: PartRecord[] = [];
    for (const name of names.filter((n) => /^part-\d{1,5}\.json$/.test(n))) {
      const record = await readJson<PartRecord>(join(this.dirOf(uploadId), name));
      if (record !== undefined) records.push(record);
    }
    return records.sort((a, b) => a.partNumber - b.partNumber);
  }

  /** S3's `ListPartsResult`, all parts in one page (S3 pages at 1000; the upload answer allows no more). */
  async list(key: string, uploadId: string): Promise<LandingAnswer> {
    if (!(await this.isOpen(key, uploadId))) return noSuchUpload();
    const parts = await this.parts(uploadId);
    const items = parts
      .map(
        (p) =>
          `<Part><PartNumber>${p.partNumber}</PartNumber><LastModified>${xmlText(p.lastModified)}</LastModified>` +
          `<ETag>"${xmlText(p.eTag)}"</ETag><Size>${p.size}</Size><ChecksumSHA256>${xmlText(p.checksumSha256)}</ChecksumSHA256></Part>`,
      )
      .join('');
    return s3Xml(
      `<ListPartsResult><Bucket>local-landing</Bucket><Key>${xmlText(key)}</Key><UploadId>${uploadId}</UploadId>` +
        `<PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>${parts.at(-1)?.partNumber ?? 0}</NextPartNumberMarker>` +
        `<MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated><ChecksumAlgorithm>SHA256</ChecksumAlgorithm>${items}</ListPartsResult>`,
    );
  }

  /**
   * Completes `uploadId` as the file at `target`, from the parts the body lists (S3's checks and
   * codes). Any single-PUT file there is replaced, as a later write to the same S3 key replaces it.
   */
  async complete(key: string, uploadId: string, xml: string, target: string): Promise<LandingAnswer> {
    if (!(await this.isOpen(key, uploadId))) return noSuchUpload();
    const listed = completedParts(xml);
    if (listed === undefined) {
      return s3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate.');
    }
    if (listed.some((p, i) => i > 0 && p.partNumber <= (listed[i - 1]?.partNumber ?? 0))) {
      return s3Error(400, 'InvalidPartOrder', 'The list of parts was not in ascending order.');
    }
    const stored = new Map((await this.parts(uploadId)).map((p) => [p.partNumber, p]));
    const chosen: PartRecord[] = [];
    for (const part of listed) {
      const record = stored.get(part.partNumber);
      const sameChecksum =
        part.checksumSha256 === undefined || part.checksumSha256 === record?.checksumSha256;
      if (record === undefined || record.eTag !== part.eTag || !sameChecksum) {
        return s3Error(400, 'InvalidPart', 'One or more of the specified parts could not be found.');
      }
      chosen.push(record);
    }
    if (chosen.slice(0, -1).some((p) => p.size < MIN_PART_BYTES)) {
      return s3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size.');
    }
    const assembly: Assembly = {
      key,
      uploadId,
      parts: chosen.map((p) => ({ partNumber: p.partNumber, size: p.size })),
    };
    const dir = this.dirOf(uploadId);
    await writeFileDurably(join(dir, 'assembly.json'), Buffer.from(JSON.stringify(assembly)));
    const assembled = `${target}.parts`;
    await rm(assembled, { recursive: true, force: true });
    await ensureDirectory(dirname(target));
    await rename(dir, assembled).catch((error: unknown) => {
      throw unavailable('complete', error);
    });
    await unlink(target).catch((error: unknown) => {
      if (!hasErrorCode(error, 'ENOENT')) throw unavailable('complete', error);
    });
    await fsyncDirectory(dirname(target));
    // S3's multipart ETag: the MD5 of the parts' MD5s, then the number of parts.
    const md5s = createHash('md5');
    for (const p of chosen) md5s.update(Buffer.from(p.eTag, 'hex'));
    const eTag = `"${md5s.digest('hex')}-${chosen.length}"`;
    const size = chosen.reduce((n, p) => n + p.size, 0);
    return {
      ...s3Xml(
        `<CompleteMultipartUploadResult><Bucket>local-landing</Bucket><Key>${xmlText(key)}</Key><ETag>${xmlText(eTag)}</ETag></CompleteMultipartUploadResult>`,
      ),
      landed: { key, size, eTag, how: 'CompleteMultipartUpload' },
    };
  }

  async abort(key: string, uploadId: string): Promise<void> {
    if (!(await this.isOpen(key, uploadId))) return;
    await rm(this.dirOf(uploadId), { recursive: true, force: true, maxRetries: 3 });
  }

  /** The plaintext of a completed upload at `target`, its parts in order; undefined when there is none. */
  async openAssembled(target: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const dir = `${target}.parts`;
    const assembly = await readJson<Assembly>(join(dir, 'assembly.json'));
    if (assembly === undefined) return undefined;
    const envelope = this.envelope;
    return (async function* () {
      for (const part of assembly.parts) {
        const context = landedPartContext(assembly.key, assembly.uploadId, part.partNumber);
        let size = 0;
        for await (const chunk of decryptLanding(
          envelope,
          context,
          createReadStream(join(dir, `part-${part.partNumber}`)),
        )) {
          size += chunk.byteLength;
          yield chunk;
        }
        if (size !== part.size) {
          throw new PipelineError('store-unavailable', 'a landed upload failed its integrity check', {
            details: { key: assembly.key },
          });
        }
      }
    })();
  }

  async isAssembled(target: string): Promise<boolean> {
    return (await readJson<Assembly>(join(`${target}.parts`, 'assembly.json'))) !== undefined;
  }

  async removeAssembled(target: string): Promise<void> {
    await rm(`${target}.parts`, { recursive: true, force: true }).catch((error: unknown) => {
      throw unavailable('delete', error);
    });
  }
}
