import { createHash, randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { constantTimeEqual } from '../../core/encoding.js';
import type { EncryptionContext, Envelope } from '../../crypto/envelope.js';
import { ensureDirectory, FILE_MODE, fsyncDirectory } from './durable-fs.js';
import { type LandingAnswer, s3Error } from './landing-answer.js';
import { encryptLanding } from './landing-file-cipher.js';

export interface Landed {
  readonly size: number;
  /** Hex MD5 of the plaintext: S3's ETag of a single PUT or a part. */
  readonly md5: string;
  readonly sha256: string;
}

/**
 * Streams one signed body to `target`: hashed and encrypted as it arrives (never held), written to a
 * temp file, and renamed into place only when its size and SHA-256 are the signed ones. A refused or
 * broken body leaves nothing behind (S3's `IncompleteBody` / `BadDigest`).
 */
export async function landStream(
  envelope: Envelope,
  context: EncryptionContext,
  target: string,
  expected: { readonly bytes: number; readonly checksumSha256: string },
  body: AsyncIterable<Uint8Array>,
): Promise<LandingAnswer | Landed> {
  await ensureDirectory(dirname(target));
  const temp = join(dirname(target), `.tmp-${randomBytes(8).toString('hex')}`);
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
  const handle = await open(temp, 'wx', FILE_MODE);
  let kept = false;
  try {
    for await (const frame of encryptLanding(envelope, context, measured())) await handle.write(frame);
    if (size !== expected.bytes) {
      return s3Error(400, 'IncompleteBody', 'You did not provide the number of bytes specified.');
    }
    const digest = sha256.digest('base64');
    if (!constantTimeEqual(Buffer.from(digest), Buffer.from(expected.checksumSha256))) {
      return s3Error(400, 'BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
    }
    await handle.sync();
    await handle.close();
    await rename(temp, target);
    kept = true;
    await fsyncDirectory(dirname(target));
    return { size, md5: md5.digest('hex'), sha256: digest };
  } finally {
    await handle.close().catch(() => undefined);
    if (!kept) await unlink(temp).catch(() => undefined);
  }
}

export const isLanded = (value: LandingAnswer | Landed): value is Landed => 'md5' in value;
