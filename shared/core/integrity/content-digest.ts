/**
 * RFC 9530 `Content-Digest` over the exact body bytes.
 *
 * The header is an RFC 8941 Dictionary. We parse it with a small strict parser of our own rather than a
 * general one because we need two things general parsers do not give: a refusal of repeated keys (API
 * Gateway joins repeated headers with ", ", and RFC 8941 parsers silently keep the last value, so
 * `sha-256=<good>, sha-256=<other>` would otherwise depend on order), and canonical base64 only.
 *
 * Every supported digest that is present is checked (sha-256 is required, sha-512 optional); deprecated
 * algorithms (md5, sha, crc32c, ...) are never used, even when they are the only ones offered.
 */
import { createHash } from 'node:crypto';
import { base64DecodeStrict, base64Encode, constantTimeEqual } from '../encoding.js';
import { reject } from '../errors.js';

const WANT_CONTENT_DIGEST = { 'Want-Content-Digest': 'sha-256=10' } as const;
const MAX_HEADER_LENGTH = 4096;
const MAX_MEMBERS = 16;

const SUPPORTED = { 'sha-256': 32, 'sha-512': 64 } as const;
type SupportedAlgorithm = keyof typeof SUPPORTED;

export function contentDigestOf(body: Uint8Array): string {
  return `sha-256=:${base64Encode(digest('sha-256', body))}:`;
}

/**
 * Checks `Content-Digest` against the body and returns the canonical `sha-256=:BASE64:` value.
 * Throws `digest-missing`, `digest-unsupported`, `digest-malformed` or `digest-mismatch`.
 */
export function verifyContentDigest(header: string | undefined, body: Uint8Array): string {
  if (header === undefined || header.trim() === '') {
    throw reject('digest-missing', 'Content-Digest header is required', { headers: WANT_CONTENT_DIGEST });
  }
  if (header.length > MAX_HEADER_LENGTH) {
    throw reject('digest-malformed', 'Content-Digest header is too long', { limit: MAX_HEADER_LENGTH });
  }
  const members = parseDigestDictionary(header);

  const claimed = new Map<SupportedAlgorithm, Uint8Array>();
  for (const algorithm of Object.keys(SUPPORTED) as SupportedAlgorithm[]) {
    if (!members.has(algorithm)) continue;
    const text = members.get(algorithm);
    const bytes = text === undefined ? undefined : base64DecodeStrict(text);
    if (bytes === undefined || bytes.byteLength !== SUPPORTED[algorithm]) {
      throw reject(
        'digest-malformed',
        `Content-Digest ${algorithm} is not a canonical ${algorithm} Byte Sequence`,
      );
    }
    claimed.set(algorithm, bytes);
  }
  if (!claimed.has('sha-256')) {
    throw reject('digest-unsupported', 'Content-Digest carries no sha-256 digest', {
      headers: WANT_CONTENT_DIGEST,
    });
  }
  for (const [algorithm, expected] of claimed) {
    if (!constantTimeEqual(digest(algorithm, body), expected)) {
      throw reject('digest-mismatch', `Content-Digest ${algorithm} does not match the body`);
    }
  }
  return contentDigestOf(body);
}

const digest = (algorithm: SupportedAlgorithm, body: Uint8Array): Uint8Array =>
  new Uint8Array(
    createHash(algorithm === 'sha-256' ? 'sha256' : 'sha512')
      .update(body)
      .digest(),
  );

const malformed = (what: string) =>
  reject('digest-malformed', `Content-Digest is not an RFC 8941 Dictionary (${what})`);

/**
 * Parses an RFC 8941 §4.2.2 Dictionary (with the RFC 9651 Date and Display String items). Returns, for
 * each key, the base64 text when the member is a bare Byte Sequence item and undefined otherwise.
 */
function parseDigestDictionary(input: string): Map<string, string | undefined> {
  const members = new Map<string, string | undefined>();
  let pos = 0;
  const peek = (): string => input.charAt(pos);
  const eof = (): boolean => pos >= input.length;
  const skip = (chars: string): void => {
    while (!eof() && chars.includes(peek())) pos++;
  };

  const parseKey = (): string => {
    const start = pos;
    if (!/[a-z*]/.test(peek())) throw malformed('key');
    pos++;
    while (!eof() && /[a-z0-9_\-.*]/.test(peek())) pos++;
    return input.slice(start, pos);
  };

  const parseNumber = (): void => {
    if (peek() === '-') pos++;
    const start = pos;
    while (!eof() && /[0-9]/.test(peek())) pos++;
    const integerDigits = pos - start;
    if (integerDigits === 0) throw malformed('number');
    if (peek() !== '.') {
      if (integerDigits > 15) throw malformed('number');
      return;
    }
    pos++;
    const fractionStart = pos;
    while (!eof() && /[0-9]/.test(peek())) pos++;
    const fractionDigits = pos - fractionStart;
    if (integerDigits > 12 || fractionDigits < 1 || fractionDigits > 3) throw malformed('number');
  };

  const parseString = (): void => {
    pos++;
    while (!eof()) {
      const c = input.charCodeAt(pos++);
      if (c === 0x22) return;
      if (c === 0x5c) {
        const next = input.charAt(pos++);
        if (next !== '"' && next !== '\\') throw malformed('string');
      } else if (c < 0x20 || c > 0x7e) {
        throw malformed('string');
      }
    }
    throw malformed('string');
  };

  const parseDisplayString = (): void => {
    pos++;
    if (peek() !== '"') throw malformed('display string');
    pos++;
    const bytes: number[] = [];
    while (!eof()) {
      const c = input.charCodeAt(pos++);
      if (c === 0x22) {
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
        } catch {
          throw malformed('display string');
        }
        return;
      }
      if (c === 0x25) {
        const hex = input.slice(pos, pos + 2);
        if (!/^[0-9a-f]{2}$/.test(hex)) throw malformed('display string');
        bytes.push(Number.parseInt(hex, 16));
        pos += 2;
      } else if (c >= 0x20 && c <= 0x7e) {
        bytes.push(c);
      } else {
        throw malformed('display string');
      }
    }
    throw malformed('display string');
  };

  /** Returns the base64 text of a Byte Sequence, undefined for any other bare item. */
  const parseBareItem = (): string | undefined => {
    const c = peek();
    if (c === '-' || /[0-9]/.test(c)) {
      parseNumber();
    } else if (c === '"') {
      parseString();
    } else if (/[A-Za-z*]/.test(c)) {
      pos++;
      while (!eof() && /[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/.test(peek())) pos++;
    } else if (c === ':') {
      const end = input.indexOf(':', pos + 1);
      if (end === -1) throw malformed('byte sequence');
      const text = input.slice(pos + 1, end);
      if (!/^[A-Za-z0-9+/=]*$/.test(text)) throw malformed('byte sequence');
      pos = end + 1;
      return text;
    } else if (c === '?') {
      pos++;
      if (peek() !== '0' && peek() !== '1') throw malformed('boolean');
      pos++;
    } else if (c === '@') {
      pos++;
      const start = pos;
      parseNumber();
      if (input.slice(start, pos).includes('.')) throw malformed('date');
    } else if (c === '%') {
      parseDisplayString();
    } else {
      throw malformed('item');
    }
    return undefined;
  };

  const parseParameters = (): void => {
    const seen = new Set<string>();
    while (peek() === ';') {
      pos++;
      skip(' ');
      const key = parseKey();
      if (seen.has(key)) throw malformed('repeated parameter');
      seen.add(key);
      if (peek() === '=') {
        pos++;
        parseBareItem();
      }
    }
  };

  const parseInnerList = (): void => {
    pos++;
    for (;;) {
      skip(' ');
      if (eof()) throw malformed('inner list');
      if (peek() === ')') {
        pos++;
        parseParameters();
        return;
      }
      parseBareItem();
      parseParameters();
      if (peek() !== ' ' && peek() !== ')') throw malformed('inner list');
    }
  };

  skip(' ');
  while (!eof()) {
    const key = parseKey();
    if (members.has(key)) throw malformed('repeated key');
    if (members.size >= MAX_MEMBERS) throw malformed('too many members');
    let value: string | undefined;
    if (peek() === '=') {
      pos++;
      if (peek() === '(') {
        parseInnerList();
      } else {
        value = parseBareItem();
        parseParameters();
      }
    } else {
      parseParameters();
    }
    members.set(key, value);
    skip(' \t');
    if (eof()) break;
    if (peek() !== ',') throw malformed('separator');
    pos++;
    skip(' \t');
    if (eof()) throw malformed('trailing comma');
  }
  return members;
}
