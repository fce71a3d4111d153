/**
 * Strict base64 helpers. Node's decoders are lenient (they skip whitespace and unknown characters and
 * accept missing or extra padding), so every decoder here checks the alphabet first and then insists on
 * the canonical form: re-encoding the decoded bytes must give back the input exactly. That closes
 * malleability (two strings for one value) and keeps "looks equal" from meaning "is equal".
 */
import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';

const BASE64URL_ALPHABET = /^[A-Za-z0-9_-]*$/;
const BASE64_PADDED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const base64UrlEncode = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');

export const base64Encode = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** Unpadded base64url (RFC 7515 §2) in canonical form, or undefined. */
export function base64UrlDecodeStrict(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1 || !BASE64URL_ALPHABET.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? new Uint8Array(bytes) : undefined;
}

/** Padded standard base64 (RFC 4648 §4, as in an RFC 8941 Byte Sequence) in canonical form, or undefined. */
export function base64DecodeStrict(text: string): Uint8Array | undefined {
  if (!BASE64_PADDED.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? new Uint8Array(bytes) : undefined;
}

/** Equal length and equal bytes, without an early exit on the first differing byte. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}
