import { Buffer } from 'node:buffer';
import { createHmac, KeyObject, verify as nodeVerify, webcrypto } from 'node:crypto';
import {
  CompactSign,
  type CryptoKey,
  exportJWK,
  exportSPKI,
  FlattenedSign,
  flattenedVerify,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isPipelineError, type PipelineError } from '../../shared/core/errors.js';
import { toFlattenedJws, verifyDetachedJws } from '../../shared/core/jws/detached-jws.js';

type Alg = 'ES256' | 'ES384' | 'PS256' | 'EdDSA';
const ALGS: readonly Alg[] = ['ES256', 'ES384', 'PS256', 'EdDSA'];

interface TestKey {
  readonly alg: Alg;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly jwk: JWK;
}

const NOW = new Date('2026-03-01T12:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
const BODY = new TextEncoder().encode('{"resourceType":"Bundle","type":"transaction","entry":[]}\n');
const OTHER_BODY = new TextEncoder().encode('{"resourceType":"Bundle","type":"transaction","entry":[{}]}\n');

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

const SUBTLE_SIGN: Record<Alg, Parameters<typeof webcrypto.subtle.sign>[0]> = {
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  ES384: { name: 'ECDSA', hash: 'SHA-384' },
  PS256: { name: 'RSA-PSS', saltLength: 32 },
  EdDSA: { name: 'Ed25519' },
};

async function makeKey(alg: Alg, kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

const signWith =
  (key: TestKey) =>
  async (input: Uint8Array): Promise<Uint8Array> =>
    new Uint8Array(await webcrypto.subtle.sign(SUBTLE_SIGN[key.alg], key.privateKey, input));

/** Signing input per RFC 7515 §5.1 / RFC 7797 §3, for a header given as literal JSON text. */
const signingInput = (protectedB64: string, body: Uint8Array, b64: boolean): Uint8Array =>
  concat(utf8(`${protectedB64}.`), b64 ? utf8(b64url(body)) : body);

/** `HEADER..SIGNATURE` from literal header JSON, so duplicate members and odd spellings survive. */
async function detached(
  headerJson: string,
  sign: (input: Uint8Array) => Promise<Uint8Array> | Uint8Array,
  opts: { body?: Uint8Array; b64?: boolean } = {},
): Promise<string> {
  const protectedB64 = b64url(utf8(headerJson));
  const signature = await sign(signingInput(protectedB64, opts.body ?? BODY, opts.b64 ?? false));
  return `${protectedB64}..${b64url(signature)}`;
}

/** The usual unencoded-payload header for `key`, with overrides (undefined removes a member). */
const unencodedHeader = (key: TestKey, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ alg: key.alg, kid: key.kid, iat: NOW_S, b64: false, crit: ['b64'], ...extra });
const standardHeader = (key: TestKey, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ alg: key.alg, kid: key.kid, iat: NOW_S, ...extra });

async function rejectionOf(promise: Promise<unknown>): Promise<PipelineError> {
  try {
    await promise;
  } catch (e) {
    if (isPipelineError(e)) return e;
    throw new Error(`expected a PipelineError, got ${String(e)}`);
  }
  throw new Error('expected a rejection, got success');
}

let keys: Record<Alg, TestKey>;
let partnerA: readonly JWK[];
let es256: TestKey;
/** Another partner's key; same algorithm. */
let partnerB: TestKey;
let attacker: TestKey;

const verify = (
  header: string | undefined,
  opts: { body?: Uint8Array; partnerKeys?: readonly JWK[]; now?: Date } = {},
) =>
  verifyDetachedJws(header, opts.body ?? BODY, {
    partnerKeys: opts.partnerKeys ?? partnerA,
    now: opts.now ?? NOW,
  });
const codeOf = async (header: string | undefined, opts?: Parameters<typeof verify>[1]): Promise<string> =>
  (await rejectionOf(verify(header, opts))).code;

beforeAll(async () => {
  const made = await Promise.all(ALGS.map((alg) => makeKey(alg, `partner-a-${alg.toLowerCase()}`)));
  keys = Object.fromEntries(made.map((k) => [k.alg, k])) as Record<Alg, TestKey>;
  es256 = keys.ES256;
  partnerA = made.map((k) => k.jwk);
  partnerB = await makeKey('ES256', 'partner-b-es256');
  attacker = await makeKey('ES256', 'attacker');
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Function: verifyDetachedJws', () => {
  describe('accepts', () => {
    it.each(ALGS)('%s, unencoded payload (RFC 7797) produced by jose', async (alg) => {
      const key = keys[alg];
      const jws = await new FlattenedSign(BODY)
        .setProtectedHeader({ alg, kid: key.kid, iat: NOW_S, b64: false, crit: ['b64'] })
        .sign(key.privateKey);
      await expect(verify(`${jws.protected}..${jws.signature}`)).resolves.toEqual({
        kid: key.kid,
        alg,
        b64: false,
      });
    });

    it.each(ALGS)('%s, standard detached (RFC 7515 Appendix F) produced by jose', async (alg) => {
      const key = keys[alg];
      const compact = await new CompactSign(BODY)
        .setProtectedHeader({ alg, kid: key.kid, iat: NOW_S })
        .sign(key.privateKey);
      const [h, , s] = compact.split('.');
      await expect(verify(`${h}..${s}`)).resolves.toEqual({ kid: key.kid, alg, b64: true });
    });

    it.each(ALGS)('%s, both modes, from our own signing-input construction', async (alg) => {
      const key = keys[alg];
      await expect(verify(await detached(unencodedHeader(key), signWith(key)))).resolves.toMatchObject({
        b64: false,
      });
      await expect(
        verify(await detached(standardHeader(key), signWith(key), { b64: true })),
      ).resolves.toMatchObject({
        b64: true,
      });
    });

    it('b64: true listed in crit, and extra members such as typ', async () => {
      const header = standardHeader(es256, { b64: true, crit: ['b64'], typ: 'x-submission+jws' });
      await expect(verify(await detached(header, signWith(es256), { b64: true }))).resolves.toMatchObject({
        b64: true,
      });
    });

    it('the empty body and a 1 MiB binary body', async () => {
      const big = new Uint8Array(1024 * 1024).map((_, i) => (i * 31 + 7) % 256);
      for (const body of [new Uint8Array(0), big]) {
        await expect(
          verify(await detached(unencodedHeader(es256), signWith(es256), { body }), { body }),
        ).resolves.toBeDefined();
        const standard = await detached(standardHeader(es256), signWith(es256), { body, b64: true });
        await expect(verify(standard, { body })).resolves.toBeDefined();
      }
    });

    it('iat exactly at both edges of the 300 s window', async () => {
      for (const iat of [NOW_S - 300, NOW_S + 300]) {
        await expect(
          verify(await detached(unencodedHeader(es256, { iat }), signWith(es256))),
        ).resolves.toBeDefined();
      }
    });

    it('the same registered key object twice (imported key cache)', async () => {
      const header = await detached(unencodedHeader(es256), signWith(es256));
      await expect(verify(header)).resolves.toBeDefined();
      await expect(verify(header)).resolves.toBeDefined();
      expect(await codeOf(header, { body: OTHER_BODY })).toBe('signature-invalid');
    });

    it('a registry entry that also holds private members, using only its public part', async () => {
      const { privateKey } = await generateKeyPair('ES256', { extractable: true });
      const jwk = { ...(await exportJWK(privateKey)), kid: 'with-d', alg: 'ES256' };
      const key: TestKey = { ...es256, kid: 'with-d', privateKey, jwk };
      const header = await detached(unencodedHeader(key), signWith(key));
      await expect(verify(header, { partnerKeys: [jwk] })).resolves.toMatchObject({ kid: 'with-d' });
    });
  });

  describe('published vectors', () => {
    it('RFC 7515 A.3 (ES256) verifies in detached form through toFlattenedJws', async () => {
      const jwk = {
        kty: 'EC',
        crv: 'P-256',
        x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
        y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
      };
      const protectedB64 = 'eyJhbGciOiJFUzI1NiJ9';
      const payload = Buffer.from(
        'eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ',
        'base64url',
      );
      const signature =
        'DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q';
      const key = await importJWK(jwk, 'ES256');
      const body = new Uint8Array(payload);
      await expect(
        flattenedVerify(toFlattenedJws(protectedB64, signature, body, true), key, { algorithms: ['ES256'] }),
      ).resolves.toBeDefined();
      const tampered = Uint8Array.from(body);
      tampered[0] = 0x20;
      await expect(
        flattenedVerify(toFlattenedJws(protectedB64, signature, tampered, true), key, {
          algorithms: ['ES256'],
        }),
      ).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
    });

    it('RFC 8037 A.4 (EdDSA) verifies in detached form through toFlattenedJws', async () => {
      const key = await importJWK(
        { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
        'EdDSA',
      );
      const signature =
        'hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg';
      const input = toFlattenedJws(
        'eyJhbGciOiJFZERTQSJ9',
        signature,
        utf8('Example of Ed25519 signing'),
        true,
      );
      await expect(flattenedVerify(input, key, { algorithms: ['EdDSA'] })).resolves.toBeDefined();
    });

    describe('RFC 7797 §4 (HS256, published key)', () => {
      const k = 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow';
      const payload = utf8('$.02');
      const unencoded =
        'eyJhbGciOiJIUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..A5dxf2s96_n5FLueVuW1Z_vh161FwXZC4YLPff6dmDY';
      const standard = 'eyJhbGciOiJIUzI1NiJ9..5mvfOroL-g7HyqJoozehmsaqmvTYGEq5jTI1gVvoEoQ';
      const split = (jws: string): [string, string] => {
        const [h = '', , s = ''] = jws.split('.');
        return [h, s];
      };

      it('§4.2: the unencoded signing input is header "." raw payload bytes', async () => {
        const [h, s] = split(unencoded);
        const mac = createHmac('sha256', Buffer.from(k, 'base64url'))
          .update(signingInput(h, payload, false))
          .digest();
        expect(b64url(mac)).toBe(s);
        const secret = await importJWK({ kty: 'oct', k }, 'HS256');
        await expect(
          flattenedVerify(toFlattenedJws(h, s, payload, false), secret, { algorithms: ['HS256'] }),
        ).resolves.toBeDefined();
        // The same bytes treated as a standard JWS do not verify: the two modes really differ.
        await expect(
          flattenedVerify(toFlattenedJws(h, s, payload, true), secret, { algorithms: ['HS256'] }),
        ).rejects.toBeDefined();
      });

      it('§4.1: the standard detached form signs the base64url payload', async () => {
        const [h, s] = split(standard);
        const secret = await importJWK({ kty: 'oct', k }, 'HS256');
        await expect(
          flattenedVerify(toFlattenedJws(h, s, payload, true), secret, { algorithms: ['HS256'] }),
        ).resolves.toBeDefined();
      });

      it('our verifier refuses both as signature-alg-rejected, even with the key registered', async () => {
        const partnerKeys = [{ kty: 'oct', k, kid: 'rfc', alg: 'HS256' }] as JWK[];
        for (const jws of [unencoded, standard]) {
          expect(await codeOf(jws, { body: payload, partnerKeys })).toBe('signature-alg-rejected');
        }
      });
    });
  });

  describe('S10 signature-missing', () => {
    it.each([
      ['absent', undefined],
      ['empty', ''],
    ])('header %s', async (_name, header) => {
      expect(await codeOf(header)).toBe('signature-missing');
    });
  });

  describe('S1/S2 signature-alg-rejected: algorithms', () => {
    it.each(['none', 'None', 'NONE', 'nOnE'])('alg %s with an empty signature', async (alg) => {
      const header = `${b64url(utf8(JSON.stringify({ alg, kid: es256.kid, iat: NOW_S })))}..`;
      expect(await codeOf(header)).toBe('signature-alg-rejected');
    });

    it('alg none with a real ES256 signature attached', async () => {
      const header = await detached(standardHeader(es256, { alg: 'none' }), signWith(es256), { b64: true });
      expect(await codeOf(header)).toBe('signature-alg-rejected');
    });

    it.each([
      ['the public JWK JSON', async () => utf8(JSON.stringify(es256.jwk))],
      ['the public key PEM', async () => utf8(await exportSPKI(es256.publicKey))],
    ])('HS256 keyed with %s of the partner key (alg confusion)', async (_name, secret) => {
      const key = await secret();
      const header = await detached(unencodedHeader(es256, { alg: 'HS256' }), (input) =>
        createHmac('sha256', key).update(input).digest(),
      );
      expect(await codeOf(header)).toBe('signature-alg-rejected');
    });

    it.each(['RS256', 'HS512', 'ES512', 'PS384', 'Ed25519', 'es256', 'ES256 '])('alg %s', async (alg) => {
      const header = await detached(unencodedHeader(es256, { alg }), signWith(es256));
      expect(await codeOf(header)).toBe('signature-alg-rejected');
    });

    it('an allowed alg that is not the one pinned for the kid', async () => {
      const p384 = await makeKey('ES384', es256.kid);
      const header = await detached(unencodedHeader(p384), signWith(p384));
      expect(await codeOf(header)).toBe('signature-alg-rejected');
    });
  });

  describe('S5–S7 signature-alg-rejected: keys named by the header', () => {
    it.each([
      ['jku to instance metadata (S5)', { jku: 'http://169.254.169.254/latest/meta-data/iam/' }],
      ['x5u to a local file (S6)', { x5u: 'file:///etc/passwd' }],
      ['x5c', { x5c: ['MIIB'] }],
      ['x5t', { x5t: 'AAAA' }],
      ['x5t#S256', { 'x5t#S256': 'AAAA' }],
    ])('%s, with no outbound request', async (_name, extra) => {
      const fetchSpy = vi.spyOn(globalThis, 'fetch');
      const header = await detached(unencodedHeader(es256, extra), signWith(es256));
      expect(await codeOf(header)).toBe('signature-alg-rejected');
      expect(fetchSpy).not.toHaveBeenCalled();
    });

    it('an embedded attacker jwk, signed by the attacker under the partner kid (S7)', async () => {
      const header = await detached(
        unencodedHeader(attacker, {
          kid: es256.kid,
          jwk: { kty: 'EC', crv: 'P-256', x: attacker.jwk.x, y: attacker.jwk.y },
        }),
        signWith(attacker),
      );
      expect(await codeOf(header)).toBe('signature-alg-rejected');
    });
  });

  describe('S8 signature-alg-rejected: crit', () => {
    it.each([
      ['exp', { crit: ['exp'], exp: NOW_S + 60 }],
      ['x-foo', { crit: ['x-foo'], 'x-foo': 1 }],
      ['b64 and x-foo', { crit: ['b64', 'x-foo'], 'x-foo': 1 }],
      ['x-foo not present', { crit: ['x-foo'] }],
    ])('crit lists %s', async (_name, extra) => {
      const header = await detached(unencodedHeader(es256, extra), signWith(es256));
      expect(await codeOf(header)).toBe('signature-alg-rejected');
    });
  });

  describe('S3/S4/S20 signature-key-unknown', () => {
    it.each([
      ['path traversal', '../../../../dev/null'],
      ['an absolute path', '/proc/self/environ'],
      ['SQL', "x' OR '1'='1"],
      ['a NUL byte', `${'partner-a-es256'}\u0000`],
      ['a trailing space', 'partner-a-es256 '],
      ['a prefix of a registered kid', 'partner-a-es'],
      ['different case', 'PARTNER-A-ES256'],
      ['200 characters', 'k'.repeat(200)],
      ['an empty string', ''],
    ])('kid with %s', async (_name, kid) => {
      const header = await detached(unencodedHeader(es256, { kid }), signWith(es256));
      expect(await codeOf(header)).toBe('signature-key-unknown');
    });

    it('no kid at all', async () => {
      const header = await detached(unencodedHeader(es256, { kid: undefined }), signWith(es256));
      expect(await codeOf(header)).toBe('signature-key-unknown');
    });

    it("another partner's kid with that partner's valid signature (S20)", async () => {
      const header = await detached(unencodedHeader(partnerB), signWith(partnerB));
      await expect(verify(header, { partnerKeys: [partnerB.jwk] })).resolves.toBeDefined();
      expect(await codeOf(header)).toBe('signature-key-unknown');
    });

    it('a kid registered twice is ambiguous', async () => {
      const header = await detached(unencodedHeader(es256), signWith(es256));
      expect(await codeOf(header, { partnerKeys: [es256.jwk, { ...es256.jwk }] })).toBe(
        'signature-key-unknown',
      );
    });

    it('a kid registered only for encryption', async () => {
      const header = await detached(unencodedHeader(es256), signWith(es256));
      expect(await codeOf(header, { partnerKeys: [{ ...es256.jwk, use: 'enc' }] })).toBe(
        'signature-key-unknown',
      );
    });

    it('never echoes the kid in the message or details', async () => {
      const header = await detached(unencodedHeader(es256, { kid: 'CANARY-KID' }), signWith(es256));
      const error = await rejectionOf(verify(header));
      expect(`${error.message} ${JSON.stringify(error.details)}`).not.toContain('CANARY');
    });
  });

  describe('S17 signature-stale', () => {
    it.each([
      ['one hour old', NOW_S - 3600],
      ['ten minutes ahead', NOW_S + 600],
      ['301 s old', NOW_S - 301],
      ['301 s ahead', NOW_S + 301],
      ['negative', -1],
      ['fractional', NOW_S + 0.5],
      ['a string', String(NOW_S)],
      ['null', null],
      ['missing', undefined],
    ])('iat %s', async (_name, iat) => {
      const header = await detached(unencodedHeader(es256, { iat }), signWith(es256));
      expect(await codeOf(header)).toBe('signature-stale');
    });

    it('a smaller maxSkewSeconds', async () => {
      const header = await detached(unencodedHeader(es256, { iat: NOW_S - 61 }), signWith(es256));
      const error = await rejectionOf(
        verifyDetachedJws(header, BODY, { partnerKeys: partnerA, now: NOW, maxSkewSeconds: 60 }),
      );
      expect(error.code).toBe('signature-stale');
    });
  });

  describe('S9/S11–S13 signature-malformed', () => {
    it.each([
      ['b64 false without crit (S9)', { crit: undefined }],
      ['b64 as the string "false" (S9)', { b64: 'false' }],
      ['b64 as 0', { b64: 0 }],
      ['crit empty', { crit: [] }],
      ['crit not an array', { crit: 'b64' }],
      ['crit with a non-string', { crit: ['b64', 1] }],
      ['crit with a repeated name', { crit: ['b64', 'b64'] }],
      ['crit b64 without b64', { b64: undefined }],
      ['alg missing', { alg: undefined }],
      ['alg not a string', { alg: 256 }],
      ['kid not a string', { kid: 7 }],
    ])('%s', async (_name, extra) => {
      const header = await detached(unencodedHeader(es256, extra), signWith(es256));
      expect(await codeOf(header)).toBe('signature-malformed');
    });

    it.each([
      ['alg', '{"alg":"HS256","alg":"ES256","kid":"partner-a-es256","iat":NOW,"b64":false,"crit":["b64"]}'],
      ['kid', '{"alg":"ES256","kid":"a","kid":"partner-a-es256","iat":NOW,"b64":false,"crit":["b64"]}'],
      ['b64', '{"alg":"ES256","kid":"partner-a-es256","iat":NOW,"b64":true,"b64":false,"crit":["b64"]}'],
      [
        'alg, spelled with an escape',
        '{"alg":"HS256","a\\u006cg":"ES256","kid":"partner-a-es256","iat":NOW,"b64":false,"crit":["b64"]}',
      ],
    ])('duplicate %s members, validly signed (S11)', async (_name, json) => {
      const header = await detached(json.replace('NOW', String(NOW_S)), signWith(es256));
      expect(await codeOf(header)).toBe('signature-malformed');
    });

    it.each([
      ['a JSON array', '["ES256"]'],
      ['a JSON string', '"ES256"'],
      ['not JSON', "{alg:'ES256'}"],
      ['a __proto__ member', `{"alg":"ES256","kid":"partner-a-es256","iat":${NOW_S},"__proto__":{}}`],
      ['a 20-deep value', `{"alg":"ES256","x":${'['.repeat(20)}${']'.repeat(20)}}`],
    ])('a protected header that is %s', async (_name, json) => {
      const header = await detached(json, signWith(es256));
      expect(await codeOf(header)).toBe('signature-malformed');
    });

    it('a protected header that is not UTF-8', async () => {
      const protectedB64 = b64url(Uint8Array.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]));
      expect(await codeOf(`${protectedB64}..${b64url(new Uint8Array(64))}`)).toBe('signature-malformed');
    });

    it.each([
      ['a 1 MB protected header (S12)', { pad: 'x'.repeat(1024 * 1024) }],
      ['a 10 KB kid (S4)', { kid: 'k'.repeat(10 * 1024) }],
      ['10 000 crit entries (S12)', { crit: Array.from({ length: 10_000 }, (_, i) => `c${i}`) }],
      ['a 3 KB protected header', { pad: 'x'.repeat(3 * 1024) }],
    ])('%s', async (_name, extra) => {
      const header = await detached(unencodedHeader(es256, extra), signWith(es256));
      expect(await codeOf(header)).toBe('signature-malformed');
    });

    it('a JWS over 8 KiB, before the header is even looked at', async () => {
      const protectedB64 = b64url(utf8(JSON.stringify({ alg: 'none' })));
      expect(await codeOf(`${protectedB64}..${'A'.repeat(4096)}`)).toBe('signature-alg-rejected');
      expect(await codeOf(`${protectedB64}..${'A'.repeat(8192)}`)).toBe('signature-malformed');
    });

    describe('S13 characters outside unpadded base64url', () => {
      let valid: string;
      let protectedB64: string;
      let signatureB64: string;
      beforeAll(async () => {
        valid = await detached(unencodedHeader(es256), signWith(es256));
        [protectedB64 = '', , signatureB64 = ''] = valid.split('.');
      });

      it('the unmodified JWS verifies (control)', async () => {
        await expect(verify(valid)).resolves.toBeDefined();
      });

      it.each([
        ['"=" padding on the signature', (h: string, s: string) => `${h}..${s}=`],
        ['"==" padding on the header', (h: string, s: string) => `${h}==..${s}`],
        ['a trailing space', (h: string, s: string) => `${h}..${s} `],
        ['a leading space', (h: string, s: string) => ` ${h}..${s}`],
        [
          'a newline inside the signature',
          (h: string, s: string) => `${h}..${s.slice(0, 20)}\n${s.slice(20)}`,
        ],
        ['a tab inside the header', (h: string, s: string) => `${h.slice(0, 5)}\t${h.slice(5)}..${s}`],
        [
          '"+" in the signature',
          (h: string, s: string) => `${h}..${s.replaceAll('-', '+').replaceAll('_', '+')}+`,
        ],
        ['"/" in the signature', (h: string, s: string) => `${h}..${s.slice(0, -1)}/`],
        ['percent-encoding', (h: string, s: string) => `${h}..${s.slice(0, -1)}%2B`],
        ['non-ASCII', (h: string, s: string) => `${h}..${s.slice(0, -1)}é`],
        ['an attached payload', (h: string, s: string) => `${h}.${b64url(BODY)}.${s}`],
        ['four segments', (h: string, s: string) => `${h}...${s}`],
        ['two segments', (h: string, s: string) => `${h}.${s}`],
        ['an empty protected header', (_h: string, s: string) => `..${s}`],
        ['an empty signature (S10 stripped)', (h: string) => `${h}..`],
        [
          'non-canonical trailing bits in the signature',
          (h: string, s: string) => `${h}..${s.slice(0, -1)}${flipLowBits(s.slice(-1))}`,
        ],
      ])('%s', async (_name, build) => {
        expect(await codeOf(build(protectedB64, signatureB64))).toBe('signature-malformed');
      });
    });
  });

  describe('S14 bad ES256 signatures', () => {
    it('64 zero bytes (psychic signature) → signature-invalid', async () => {
      const header = await detached(unencodedHeader(es256), () => new Uint8Array(64));
      expect(await codeOf(header)).toBe('signature-invalid');
    });

    it('a DER-encoded but otherwise valid ECDSA signature → signature-malformed', async () => {
      let der: Uint8Array = new Uint8Array(0);
      const header = await detached(unencodedHeader(es256), async (input) => {
        der = rawEcdsaToDer(await signWith(es256)(input));
        return der;
      });
      const [h = ''] = header.split('.');
      const publicKey = KeyObject.from(es256.publicKey);
      // Control: the DER form is a genuine signature over our signing input.
      expect(
        nodeVerify('sha256', signingInput(h, BODY, false), { key: publicKey, dsaEncoding: 'der' }, der),
      ).toBe(true);
      expect(await codeOf(header)).toBe('signature-malformed');
    });

    it.each([63, 65, 96])('%i bytes → signature-malformed', async (length) => {
      const header = await detached(unencodedHeader(es256), () => new Uint8Array(length).fill(1));
      expect(await codeOf(header)).toBe('signature-malformed');
    });
  });

  describe('S15/S9 signature-invalid', () => {
    it.each([
      ['unencoded', false],
      ['standard', true],
    ])('a valid %s signature over body A presented with body B', async (_name, b64) => {
      const header = await detached(b64 ? standardHeader(es256) : unencodedHeader(es256), signWith(es256), {
        b64,
      });
      await expect(verify(header)).resolves.toBeDefined();
      expect(await codeOf(header, { body: OTHER_BODY })).toBe('signature-invalid');
    });

    it('body A plus a trailing LF', async () => {
      const header = await detached(unencodedHeader(es256), signWith(es256));
      expect(await codeOf(header, { body: concat(BODY, utf8('\n')) })).toBe('signature-invalid');
    });

    it('b64 false in the header, but signed over the base64url body', async () => {
      const header = await detached(unencodedHeader(es256), signWith(es256), { b64: true });
      expect(await codeOf(header)).toBe('signature-invalid');
    });

    it('a standard header, but signed over the raw body', async () => {
      const header = await detached(standardHeader(es256), signWith(es256), { b64: false });
      expect(await codeOf(header)).toBe('signature-invalid');
    });

    it('the right kid but a signature by another key of the same type', async () => {
      const header = await detached(unencodedHeader(es256), signWith(partnerB));
      expect(await codeOf(header)).toBe('signature-invalid');
    });

    it.each(['PS256', 'EdDSA', 'ES384'] as const)('%s: one flipped signature bit', async (alg) => {
      const key = keys[alg];
      const header = await detached(unencodedHeader(key), async (input) => {
        const sig = await signWith(key)(input);
        sig[5] = (sig[5] ?? 0) ^ 0x01;
        return sig;
      });
      expect(await codeOf(header)).toBe('signature-invalid');
    });
  });

  describe('registry faults are not blamed on the partner', () => {
    it('an RSA key below 2048 bits → config-invalid (its 128-byte signatures are malformed)', async () => {
      const small = (await webcrypto.subtle.generateKey(
        { name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
        true,
        ['sign', 'verify'],
      )) as { privateKey: CryptoKey; publicKey: CryptoKey };
      const key: TestKey = {
        alg: 'PS256',
        kid: 'small-rsa',
        privateKey: small.privateKey,
        publicKey: small.publicKey,
        jwk: { ...(await exportJWK(small.publicKey)), kid: 'small-rsa', alg: 'PS256' },
      };
      const real = await detached(unencodedHeader(key), signWith(key));
      expect(await codeOf(real, { partnerKeys: [key.jwk] })).toBe('signature-malformed');
      const sized = await detached(unencodedHeader(key), () => new Uint8Array(256).fill(1));
      const error = await rejectionOf(verify(sized, { partnerKeys: [key.jwk] }));
      expect(error.code).toBe('config-invalid');
    });

    it('a registered key whose curve does not fit its alg → config-invalid', async () => {
      const p384 = await makeKey('ES384', 'mislabelled');
      const jwk = { ...p384.jwk, alg: 'ES256' };
      const header = await detached(unencodedHeader({ ...p384, alg: 'ES256' }), () => new Uint8Array(64));
      const error = await rejectionOf(verify(header, { partnerKeys: [jwk] }));
      expect(error.code).toBe('config-invalid');
    });
  });
});

function flipLowBits(char: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return alphabet.charAt(alphabet.indexOf(char) ^ 0x01);
}

/** IEEE P1363 r || s → ASN.1 DER SEQUENCE of two INTEGERs. */
function rawEcdsaToDer(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array): number[] => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    const trimmed = [...bytes.subarray(i)];
    if ((trimmed[0] ?? 0) & 0x80) trimmed.unshift(0);
    return [0x02, trimmed.length, ...trimmed];
  };
  const half = raw.length / 2;
  const body = [...integer(raw.subarray(0, half)), ...integer(raw.subarray(half))];
  return Uint8Array.from([0x30, body.length, ...body]);
}
