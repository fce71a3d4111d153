import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { PipelineError } from '../../core/errors.js';

/**
 * At-rest encryption of the local landing zone, in the role SSE-KMS plays for `uploads/` on S3: each
 * file gets its own AES-256 key (HKDF-SHA-256 of the landing key, a random salt and the object key)
 * and is written as 64 KiB AES-256-GCM frames as it streams in. A frame's IV is its index and its AAD
 * names the object key and whether it is the last frame, so frames cannot be reordered, moved to
 * another file, or cut off at the end without the read failing.
 *
 * File: `phi-landing/1\n` · salt (16) · frames of [length u32 BE · ciphertext · tag (16)].
 */
const MAGIC = Buffer.from('phi-landing/1\n', 'latin1');
const SALT_BYTES = 16;
const TAG_BYTES = 16;
export const LANDING_FRAME_BYTES = 65_536;

const damaged = (key: string): PipelineError =>
  new PipelineError('store-unavailable', 'a landed upload failed its integrity check', { details: { key } });

const fileKey = (landingKey: Uint8Array, salt: Uint8Array, key: string): Buffer =>
  Buffer.from(hkdfSync('sha256', landingKey, salt, `phi-landing/1 ${key}`, 32));

const iv = (index: number): Buffer => {
  const out = Buffer.alloc(12);
  out.writeBigUInt64BE(BigInt(index), 4);
  return out;
};

const aad = (key: string, final: boolean): Buffer => Buffer.from(`${key}\u0000${final ? 'final' : 'more'}`);

/** Encrypts a stream of plaintext chunks into the landing format, frame by frame. */
export async function* encryptLanding(
  landingKey: Uint8Array,
  key: string,
  plaintext: AsyncIterable<Uint8Array>,
): AsyncIterable<Uint8Array> {
  const salt = randomBytes(SALT_BYTES);
  const dataKey = fileKey(landingKey, salt, key);
  yield Buffer.concat([MAGIC, salt]);
  let index = 0;
  const frame = (chunk: Buffer, final: boolean): Buffer => {
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv(index++));
    cipher.setAAD(aad(key, final));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(chunk.byteLength);
    return Buffer.concat([length, cipher.update(chunk), cipher.final(), cipher.getAuthTag()]);
  };
  let pending = Buffer.alloc(0);
  for await (const chunk of plaintext) {
    pending = pending.byteLength === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
    // A full frame is never the last: the last one is shorter (possibly empty), which the reader relies on.
    while (pending.byteLength >= LANDING_FRAME_BYTES) {
      yield frame(pending.subarray(0, LANDING_FRAME_BYTES), false);
      pending = pending.subarray(LANDING_FRAME_BYTES);
    }
  }
  yield frame(pending, true);
}

/** Decrypts the landing format back to plaintext; throws `store-unavailable` on any tampering or truncation. */
export async function* decryptLanding(
  landingKey: Uint8Array,
  key: string,
  ciphertext: AsyncIterable<Uint8Array>,
): AsyncIterable<Uint8Array> {
  let buffer = Buffer.alloc(0);
  let dataKey: Buffer | undefined;
  let index = 0;
  let finished = false;
  for await (const chunk of ciphertext) {
    buffer = buffer.byteLength === 0 ? Buffer.from(chunk) : Buffer.concat([buffer, chunk]);
    if (dataKey === undefined) {
      if (buffer.byteLength < MAGIC.byteLength + SALT_BYTES) continue;
      if (!buffer.subarray(0, MAGIC.byteLength).equals(MAGIC)) throw damaged(key);
      dataKey = fileKey(landingKey, buffer.subarray(MAGIC.byteLength, MAGIC.byteLength + SALT_BYTES), key);
      buffer = buffer.subarray(MAGIC.byteLength + SALT_BYTES);
    }
    for (;;) {
      if (buffer.byteLength < 4) break;
      const length = buffer.readUInt32BE(0);
      if (length > LANDING_FRAME_BYTES || finished) throw damaged(key);
      const end = 4 + length + TAG_BYTES;
      if (buffer.byteLength < end) break;
      const body = buffer.subarray(4, 4 + length);
      const tag = buffer.subarray(4 + length, end);
      buffer = buffer.subarray(end);
      // A full frame is never the last one (the writer ends with a shorter one), so the flag is known here.
      const final = length < LANDING_FRAME_BYTES;
      const decipher = createDecipheriv('aes-256-gcm', dataKey, iv(index++));
      decipher.setAAD(aad(key, final));
      decipher.setAuthTag(tag);
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(body), decipher.final()]);
      } catch (error) {
        throw new PipelineError('store-unavailable', 'a landed upload failed its integrity check', {
          details: { key },
          cause: error,
        });
      }
      finished = final;
      if (plain.byteLength > 0) yield plain;
    }
  }
  if (!finished || buffer.byteLength > 0) throw damaged(key);
}
