import {
  createCipheriv,
  createHash,
  createPublicKey,
  randomBytes,
  verify as verifySignature,
} from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { JWK } from 'jose';

/**
 * The floors: the least work any implementation must do for the same bytes, with Node's own
 * primitives, measured beside each figure in the same run. None of the project's code is used here.
 */

/** SHA-256 of the bytes: the Content-Digest (or manifest digest) check. */
export const sha256Floor = (bytes: Uint8Array): void => {
  createHash('sha256').update(bytes).digest();
};

/** One ES256 verification of a detached unencoded JWS (header + '.' + body), raw node:crypto. */
export function es256Floor(jws: string, body: Uint8Array, publicJwk: JWK): () => void {
  const [protectedB64 = '', , signatureB64 = ''] = jws.split('.');
  const key = createPublicKey({ key: publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const input = Buffer.concat([Buffer.from(`${protectedB64}.`), body]);
  const signature = Buffer.from(signatureB64, 'base64url');
  return () => {
    if (!verifySignature('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature)) {
      throw new TypeError('floor: the bench signature does not verify');
    }
  };
}

const KEY = randomBytes(32);
/** AES-256-GCM over the bytes with a fresh IV: the envelope's cipher without framing or key wrapping. */
export const aesGcmFloor = (bytes: Uint8Array): void => {
  const cipher = createCipheriv('aes-256-gcm', KEY, randomBytes(12));
  for (let at = 0; at < bytes.byteLength; at += 1 << 20) cipher.update(bytes.subarray(at, at + (1 << 20)));
  cipher.final();
  cipher.getAuthTag();
};

/** JSON.parse + JSON.stringify of the text (a Bundle, or each NDJSON line). */
export const jsonFloor = (bytes: Buffer): void => {
  JSON.stringify(JSON.parse(bytes.toString('utf8')));
};

export function ndjsonFloor(bytes: Buffer): void {
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    if (end > start) JSON.stringify(JSON.parse(bytes.toString('utf8', start, end)));
    start = end + 1;
  }
}

/** Decode and split on the segment terminator and the element separator the ISA declares. */
export function x12SplitFloor(bytes: Buffer): void {
  const text = bytes.toString('latin1');
  const separator = text[3] as string;
  const terminator = text[105] as string;
  let elements = 0;
  for (const segment of text.split(terminator)) elements += segment.split(separator).length;
  if (elements === 0) throw new TypeError('floor: no X12 elements');
}

/** Write + fsync of the bytes to a file: what a durable store must do at least. */
export function durableWriteFloor(file: string): (bytes: Uint8Array) => void {
  return (bytes) => {
    const fd = openSync(file, 'w', 0o600);
    try {
      for (let at = 0; at < bytes.byteLength; )
        at += writeSync(fd, bytes, at, Math.min(bytes.byteLength - at, 1 << 20));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  };
}

/** One ES256 verification of a compact JWS (an access token), raw node:crypto. */
export function es256CompactFloor(token: string, publicJwk: JWK): () => void {
  const [h = '', p = '', s = ''] = token.split('.');
  const key = createPublicKey({ key: publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const input = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, 'base64url');
  return () => {
    if (!verifySignature('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature)) {
      throw new TypeError('floor: the access token does not verify');
    }
  };
}

/**
 * The floors of one bulk file, streamed from disk in 1 MiB chunks as the pipeline reads it: `ingest`
 * is SHA-256, parse (each NDJSON line parsed and serialized, or the X12 split) and AES-256-GCM; `copy`
 * is what each consumer's copy costs at least, parse + serialize and AES-256-GCM.
 */
export async function bulkFileFloorMs(
  file: string,
  kind: 'fhir-ndjson' | 'x12-837',
): Promise<{ ingestMs: number; copyMs: number }> {
  const pass = async (hash: boolean): Promise<number> => {
    const { createReadStream } = await import('node:fs');
    const sha = createHash('sha256');
    const cipher = createCipheriv('aes-256-gcm', KEY, randomBytes(12));
    let carry = '';
    let separator = '';
    let terminator = '';
    const started = performance.now();
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      const bytes = chunk as Buffer;
      if (hash) sha.update(bytes);
      cipher.update(bytes);
      const text = carry + bytes.toString(kind === 'x12-837' ? 'latin1' : 'utf8');
      if (kind === 'x12-837') {
        if (terminator === '') {
          separator = text[3] as string;
          terminator = text[105] as string;
        }
        const parts = text.split(terminator);
        carry = parts.pop() ?? '';
        for (const segment of parts) segment.split(separator);
      } else {
        const parts = text.split('\n');
        carry = parts.pop() ?? '';
        for (const line of parts) if (line !== '') JSON.stringify(JSON.parse(line));
      }
    }
    if (carry.trim() !== '' && kind === 'fhir-ndjson') JSON.stringify(JSON.parse(carry));
    cipher.final();
    if (hash) sha.digest();
    return performance.now() - started;
  };
  return { ingestMs: await pass(true), copyMs: await pass(false) };
}
