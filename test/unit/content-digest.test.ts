import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isPipelineError, type PipelineError } from '../../shared/core/errors.js';
import { contentDigestOf, verifyContentDigest } from '../../shared/core/integrity/content-digest.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

// RFC 9530 vectors, re-computed with openssl (security.md §1.1).
const HELLO = utf8('{"hello": "world"}');
const HELLO_LF = utf8('{"hello": "world"}\n');
const EMPTY = new Uint8Array(0);
const SHA256_HELLO = 'X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=';
const SHA256_HELLO_LF = 'RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=';
const SHA256_EMPTY = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
const SHA512_HELLO_LF =
  'YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==';

function errorOf(fn: () => unknown): PipelineError {
  try {
    fn();
  } catch (e) {
    if (isPipelineError(e)) return e;
    throw new Error(`expected a PipelineError, got ${String(e)}`);
  }
  throw new Error('expected a rejection, got success');
}
const codeOf = (header: string | undefined, body: Uint8Array): string =>
  errorOf(() => verifyContentDigest(header, body)).code;

describe('Function: contentDigestOf', () => {
  it.each([
    ['{"hello": "world"}', HELLO, SHA256_HELLO],
    ['{"hello": "world"} + LF', HELLO_LF, SHA256_HELLO_LF],
    ['the empty body', EMPTY, SHA256_EMPTY],
  ])('matches the RFC 9530 vector for %s', (_name, body, b64) => {
    expect(contentDigestOf(body)).toBe(`sha-256=:${b64}:`);
  });
});

describe('Function: verifyContentDigest', () => {
  describe('accepts', () => {
    it.each([
      ['no LF', HELLO, SHA256_HELLO],
      ['LF', HELLO_LF, SHA256_HELLO_LF],
      ['empty body', EMPTY, SHA256_EMPTY],
    ])('the RFC 9530 sha-256 vector (%s) and returns the canonical value', (_name, body, b64) => {
      expect(verifyContentDigest(`sha-256=:${b64}:`, body)).toBe(`sha-256=:${b64}:`);
    });

    it('sha-256 together with a matching sha-512 (the RFC 9530 vector)', () => {
      const header = `sha-256=:${SHA256_HELLO_LF}:, sha-512=:${SHA512_HELLO_LF}:`;
      expect(verifyContentDigest(header, HELLO_LF)).toBe(`sha-256=:${SHA256_HELLO_LF}:`);
    });

    it('members in any order, with OWS, tabs and trailing spaces', () => {
      const header = ` sha-512=:${SHA512_HELLO_LF}:\t,\tsha-256=:${SHA256_HELLO_LF}:  `;
      expect(verifyContentDigest(header, HELLO_LF)).toBe(`sha-256=:${SHA256_HELLO_LF}:`);
    });

    it('ignores deprecated algorithms offered next to sha-256, and parameters', () => {
      const header = `md5=:Sd/dVLAcvNLSq16eXua5uQ==:, sha-256=:${SHA256_HELLO}:;note="x";v=1, unixsum=30637`;
      expect(verifyContentDigest(header, HELLO)).toBe(`sha-256=:${SHA256_HELLO}:`);
    });

    it('other RFC 8941 item types for unknown keys', () => {
      const header = `a=?1, b=tok/en:x, c=-12.5, d=("x" 1), e, f=@1700000000, g=%"caf%c3%a9", sha-256=:${SHA256_HELLO}:`;
      expect(verifyContentDigest(header, HELLO)).toBe(`sha-256=:${SHA256_HELLO}:`);
    });
  });

  describe('digest-missing (B.11, B.18)', () => {
    it.each([
      ['absent', undefined],
      ['empty', ''],
      ['blank', '   '],
    ])('when the header is %s, with Want-Content-Digest', (_name, header) => {
      const error = errorOf(() => verifyContentDigest(header, HELLO));
      expect(error.code).toBe('digest-missing');
      expect(error.details?.headers).toEqual({ 'Want-Content-Digest': 'sha-256=10' });
    });
  });

  describe('digest-unsupported (B.12, B.13)', () => {
    it.each([
      ['md5 only (valid md5 of the body)', `md5=:${md5(HELLO)}:`],
      ['sha (SHA-1) only', 'sha=:07CavjDP4u3/TungoUHJO/Wzr4c=:'],
      ['an unknown algorithm only', 'sha3-256=:AAAA:'],
      ['crc32c only', 'crc32c=:AAAAAA==:'],
      ['sha-512 only, even when it matches', `sha-512=:${SHA512_HELLO_LF}:`],
    ])('%s, with Want-Content-Digest', (_name, header) => {
      const error = errorOf(() => verifyContentDigest(header, HELLO_LF));
      expect(error.code).toBe('digest-unsupported');
      expect(error.details?.headers).toEqual({ 'Want-Content-Digest': 'sha-256=10' });
    });
  });

  describe('digest-malformed (B.14–B.16)', () => {
    const b64url = SHA256_HELLO_LF.replaceAll('/', '_').replaceAll('+', '-');
    const sha256Of = (n: number): string => Buffer.alloc(n, 7).toString('base64');
    it.each([
      ['no colons (a Token, not a Byte Sequence) (B.14)', `sha-256=${SHA256_HELLO}`],
      ['base64url alphabet in the Byte Sequence (B.15)', `sha-256=:${b64url}:`],
      ['31 decoded bytes (B.16)', `sha-256=:${sha256Of(31)}:`],
      ['33 decoded bytes (B.16)', `sha-256=:${sha256Of(33)}:`],
      ['doubled == padding (RFC draft typo)', `sha-256=:${SHA256_HELLO_LF.slice(0, -1)}==:`],
      ['missing padding', `sha-256=:${SHA256_HELLO_LF.slice(0, -1)}:`],
      ['non-zero trailing bits (decodes to the same bytes)', `sha-256=:${SHA256_HELLO.slice(0, -2)}F=:`],
      ['an unterminated Byte Sequence', `sha-256=:${SHA256_HELLO}`],
      ['a quoted string', `sha-256="${SHA256_HELLO}"`],
      ['an inner list', `sha-256=(:${SHA256_HELLO}:)`],
      ['a bare key (boolean true)', 'sha-256'],
      ['RFC 3230 syntax (upper-case key)', `SHA-256=${SHA256_HELLO}`],
      [
        'whitespace inside the Byte Sequence',
        `sha-256=:${SHA256_HELLO.slice(0, 10)} ${SHA256_HELLO.slice(10)}:`,
      ],
      ['a trailing comma', `sha-256=:${SHA256_HELLO}:,`],
      ['a missing comma', `sha-256=:${SHA256_HELLO}: md5=:AAAA:`],
      ['garbage', '!!!'],
      ['non-ASCII', `sha-256=:${SHA256_HELLO}:, é=1`],
      [
        'sha-512 of the wrong length next to a good sha-256',
        `sha-256=:${SHA256_HELLO}:, sha-512=:${sha256Of(32)}:`,
      ],
      ['a number with 16 digits', `x=1234567890123456, sha-256=:${SHA256_HELLO}:`],
      ['an over-long header', `sha-256=:${SHA256_HELLO}:, x="${'a'.repeat(5000)}"`],
      [
        'too many members',
        `${Array.from({ length: 20 }, (_, i) => `k${i}=1`).join(', ')}, sha-256=:${SHA256_HELLO}:`,
      ],
    ])('%s', (_name, header) => {
      expect(codeOf(header, HELLO)).toBe('digest-malformed');
    });

    it.each([
      ['good value first', `sha-256=:${SHA256_HELLO}:, sha-256=:${SHA256_EMPTY}:`],
      ['good value last', `sha-256=:${SHA256_EMPTY}:, sha-256=:${SHA256_HELLO}:`],
      ['the same value twice', `sha-256=:${SHA256_HELLO}:, sha-256=:${SHA256_HELLO}:`],
    ])('a key repeated by a joined header (%s)', (_name, header) => {
      expect(codeOf(header, HELLO)).toBe('digest-malformed');
    });

    it('never echoes the header in the message or details', () => {
      const canary = 'CANARYCANARYCANARY';
      const error = errorOf(() =>
        verifyContentDigest(`sha-256=:${canary}:, ${canary.toLowerCase()}=1`, HELLO),
      );
      expect(error.code).toBe('digest-malformed');
      expect(JSON.stringify({ m: error.message, d: error.details })).not.toMatch(/canary/i);
    });
  });

  describe('digest-mismatch (B.17, B.19, B.20)', () => {
    it('the no-LF digest on a body with a trailing LF (B.17)', () => {
      expect(codeOf(`sha-256=:${SHA256_HELLO}:`, HELLO_LF)).toBe('digest-mismatch');
    });

    it('a correct sha-256 with a wrong sha-512 (B.19)', () => {
      const wrong512 = Buffer.alloc(64, 1).toString('base64');
      expect(codeOf(`sha-256=:${SHA256_HELLO_LF}:, sha-512=:${wrong512}:`, HELLO_LF)).toBe('digest-mismatch');
    });

    it('a correct sha-512 with a wrong sha-256', () => {
      expect(codeOf(`sha-256=:${SHA256_HELLO}:, sha-512=:${SHA512_HELLO_LF}:`, HELLO_LF)).toBe(
        'digest-mismatch',
      );
    });

    it('the empty-body digest on a non-empty body (B.20)', () => {
      expect(codeOf(`sha-256=:${SHA256_EMPTY}:`, HELLO)).toBe('digest-mismatch');
    });

    it('a one-bit change in the body', () => {
      const body = Uint8Array.from(HELLO);
      body[3] = (body[3] ?? 0) ^ 1;
      expect(codeOf(`sha-256=:${SHA256_HELLO}:`, body)).toBe('digest-mismatch');
    });

    it('checks the exact bytes of a subarray view, not its backing buffer', () => {
      const backing = utf8(`xx{"hello": "world"}yy`);
      const view = backing.subarray(2, 2 + HELLO.byteLength);
      expect(verifyContentDigest(`sha-256=:${SHA256_HELLO}:`, view)).toBe(`sha-256=:${SHA256_HELLO}:`);
      expect(codeOf(`sha-256=:${SHA256_HELLO}:`, backing)).toBe('digest-mismatch');
    });
  });
});

function md5(body: Uint8Array): string {
  return createHash('md5').update(body).digest('base64');
}
