/**
 * Detached JWS over a submission body (SPEC §3, `X-JWS-Signature`): compact form with an empty payload
 * part, `HEADER..SIGNATURE`, either standard (RFC 7515 Appendix F: the signing input carries the
 * base64url body) or unencoded (RFC 7797 `b64: false` with `crit: ["b64"]`: the raw body bytes).
 *
 * Everything an attacker controls is checked before any crypto, in a fixed order so that each fault has
 * one answer: shape and sizes (`signature-malformed`), algorithm and header policy
 * (`signature-alg-rejected`), signature length, key lookup by `kid` (`signature-key-unknown`), key's
 * pinned algorithm, `iat` window (`signature-stale`), and only then jose with the partner's imported
 * public key and `algorithms` pinned to that key's one algorithm (`signature-invalid`).
 *
 * jose on its own is lenient where we must not be (security.md §2.5): it decodes whitespace inside
 * base64url, keeps the last of duplicate header members, ignores `b64` unless listed in `crit`, and
 * parses a header of any size. Hence the pre-parse.
 */
import {
  type CryptoKey,
  type FlattenedJWSInput,
  flattenedVerify,
  importJWK,
  type JWK,
  errors as joseErrors,
} from 'jose';
import { base64UrlDecodeStrict, base64UrlEncode } from '../encoding.js';
import { PipelineError, reject } from '../errors.js';
import { parseSafeJson } from '../json/safe-json.js';

export const DETACHED_JWS_ALGORITHMS = ['ES256', 'ES384', 'PS256', 'EdDSA'] as const;
export type DetachedJwsAlgorithm = (typeof DETACHED_JWS_ALGORITHMS)[number];

export interface DetachedJwsOptions {
  /** The partner's registered public keys; each carries `kid` and its one pinned `alg`. */
  readonly partnerKeys: readonly JWK[];
  readonly now: Date;
  /** Largest allowed |now − iat|; default 300. */
  readonly maxSkewSeconds?: number;
}

export interface VerifiedDetachedJws {
  readonly kid: string;
  readonly alg: string;
  /** False for an RFC 7797 unencoded-payload signature. */
  readonly b64: boolean;
}

export const DEFAULT_MAX_SKEW_SECONDS = 300;
const MAX_JWS_LENGTH = 8 * 1024;
const MAX_PROTECTED_HEADER_LENGTH = 2 * 1024;
const MAX_KID_LENGTH = 128;
/** Header members that would let the sender choose the key; keys come only from the partner registry. */
const KEY_CARRYING_PARAMETERS = ['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256'] as const;
/** Exact signature sizes (RFC 7518 §3.4: ECDSA is R || S, not DER); RSA is the modulus size. */
const SIGNATURE_BYTES: Record<DetachedJwsAlgorithm, { min: number; max: number }> = {
  ES256: { min: 64, max: 64 },
  ES384: { min: 96, max: 96 },
  EdDSA: { min: 64, max: 64 },
  PS256: { min: 256, max: 1024 },
};
const HEADER_JSON_LIMITS = {
  maxBytes: MAX_PROTECTED_HEADER_LENGTH,
  maxDepth: 4,
  maxStringLength: 1024,
  maxKeysPerObject: 32,
  maxArrayLength: 16,
};

/**
 * Verifies `X-JWS-Signature` against the exact body bytes with one of the partner's keys. Throws
 * `signature-missing`, `signature-malformed`, `signature-alg-rejected`, `signature-key-unknown`,
 * `signature-stale` or `signature-invalid`; a `config-invalid` PipelineError when a registered key
 * cannot be used (a registry fault, not the partner's).
 */
export async function verifyDetachedJws(
  header: string | undefined,
  body: Uint8Array,
  opts: DetachedJwsOptions,
): Promise<VerifiedDetachedJws> {
  if (header === undefined || header === '') {
    throw reject('signature-missing', 'X-JWS-Signature header is required');
  }
  const { protectedB64, signatureB64 } = splitDetached(header);
  const params = decodeProtectedHeader(protectedB64);
  const { alg, b64 } = checkHeader(params);

  const signature = base64UrlDecodeStrict(signatureB64);
  const size = SIGNATURE_BYTES[alg];
  if (signature === undefined || signature.byteLength < size.min || signature.byteLength > size.max) {
    throw malformed(`signature has the wrong size for ${alg}`);
  }

  const { kid, key } = findPartnerKey(params.kid, opts.partnerKeys);
  if (key.alg !== alg) {
    throw reject('signature-alg-rejected', 'JWS alg is not the algorithm registered for this kid');
  }
  checkIssuedAt(params.iat, opts.now, opts.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS);

  const verificationKey = await importPartnerKey(key, alg);
  try {
    await flattenedVerify(toFlattenedJws(protectedB64, signatureB64, body, b64), verificationKey, {
      algorithms: [alg],
    });
  } catch (e) {
    if (e instanceof joseErrors.JWSInvalid) throw malformed('jose refused the JWS structure');
    if (e instanceof joseErrors.JOSEError) throw reject('signature-invalid', 'JWS signature does not verify');
    throw new PipelineError('config-invalid', 'registered partner key cannot verify this algorithm', {
      cause: e,
    });
  }
  return { kid, alg, b64 };
}

/**
 * The flattened JWS jose verifies for a detached compact JWS: the payload is the base64url body for a
 * standard JWS and the raw body bytes for `b64: false`.
 */
export function toFlattenedJws(
  protectedB64: string,
  signatureB64: string,
  body: Uint8Array,
  b64: boolean,
): FlattenedJWSInput {
  return { protected: protectedB64, payload: b64 ? base64UrlEncode(body) : body, signature: signatureB64 };
}

const malformed = (what: string) =>
  reject('signature-malformed', `X-JWS-Signature is not a detached compact JWS (${what})`);

function splitDetached(header: string): { protectedB64: string; signatureB64: string } {
  if (header.length > MAX_JWS_LENGTH) throw malformed('too long');
  const parts = header.split('.');
  if (parts.length !== 3) throw malformed('not three segments');
  const [protectedB64 = '', payload = '', signatureB64 = ''] = parts;
  if (payload !== '') throw malformed('payload segment not empty');
  if (protectedB64 === '' || protectedB64.length > MAX_PROTECTED_HEADER_LENGTH) {
    throw malformed('protected header size');
  }
  return { protectedB64, signatureB64 };
}

function decodeProtectedHeader(protectedB64: string): Record<string, unknown> {
  // Strict decoding is the segment check: only [A-Za-z0-9_-], no padding, whitespace or stray bits.
  const bytes = base64UrlDecodeStrict(protectedB64);
  if (bytes === undefined) throw malformed('protected header is not canonical base64url');
  let value: unknown;
  try {
    value = parseSafeJson(bytes, HEADER_JSON_LIMITS);
  } catch (e) {
    if (e instanceof PipelineError && e.code === 'invalid-json')
      throw malformed('protected header is not strict JSON');
    throw e;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw malformed('protected header is not a JSON object');
  }
  return value as Record<string, unknown>;
}

/** Types first (malformed), then policy (alg-rejected), then the b64/crit pairing (malformed). */
function checkHeader(params: Record<string, unknown>): { alg: DetachedJwsAlgorithm; b64: boolean } {
  const { alg, kid, b64, crit } = params;
  if (typeof alg !== 'string' || alg === '') throw malformed('alg missing');
  if (kid !== undefined && typeof kid !== 'string') throw malformed('kid is not a string');
  if (b64 !== undefined && typeof b64 !== 'boolean') throw malformed('b64 is not a boolean');
  let critList: readonly string[] | undefined;
  if (crit !== undefined) {
    if (!isCritList(crit)) throw malformed('crit is not a non-empty list of distinct names');
    critList = crit;
  }

  if (!isAllowedAlgorithm(alg)) throw reject('signature-alg-rejected', 'JWS alg is not allowed');
  if (KEY_CARRYING_PARAMETERS.some((name) => Object.hasOwn(params, name))) {
    throw reject('signature-alg-rejected', 'JWS header must not carry or point to a key');
  }
  if (critList?.some((name) => name !== 'b64')) {
    throw reject('signature-alg-rejected', 'JWS crit lists an unsupported extension');
  }

  const critB64 = critList?.includes('b64') ?? false;
  if (critB64 && b64 === undefined) throw malformed('crit lists b64 but b64 is absent');
  if (b64 === false && !critB64) throw malformed('b64 false without crit b64');
  return { alg, b64: b64 !== false };
}

const isCritList = (value: unknown): value is string[] =>
  Array.isArray(value) &&
  value.length > 0 &&
  value.every((name) => typeof name === 'string' && name !== '') &&
  new Set(value).size === value.length;

const isAllowedAlgorithm = (alg: string): alg is DetachedJwsAlgorithm =>
  (DETACHED_JWS_ALGORITHMS as readonly string[]).includes(alg);

/** `kid` is only ever compared with registered kids; never a path, URL or query. */
function findPartnerKey(kid: unknown, partnerKeys: readonly JWK[]): { kid: string; key: JWK } {
  if (typeof kid !== 'string' || kid === '' || kid.length > MAX_KID_LENGTH) {
    throw reject('signature-key-unknown', 'JWS kid is missing or not registered for this partner');
  }
  const matches = partnerKeys.filter(
    (key) => key.kid === kid && (key.use === undefined || key.use === 'sig'),
  );
  const [key] = matches;
  if (key === undefined || matches.length !== 1) {
    throw reject('signature-key-unknown', 'JWS kid is missing or not registered for this partner');
  }
  return { kid, key };
}

function checkIssuedAt(iat: unknown, now: Date, maxSkewSeconds: number): void {
  if (!Number.isFinite(maxSkewSeconds) || maxSkewSeconds < 0) {
    throw new PipelineError('config-invalid', 'maxSkewSeconds must be a non-negative number');
  }
  if (typeof iat !== 'number' || !Number.isSafeInteger(iat)) {
    throw reject('signature-stale', 'JWS iat is missing or not an integer');
  }
  if (Math.abs(now.getTime() / 1000 - iat) > maxSkewSeconds) {
    throw reject('signature-stale', 'JWS iat is outside the allowed window', { maxSkewSeconds });
  }
}

const importedKeys = new WeakMap<JWK, Promise<CryptoKey>>();

/**
 * Imports only the public members, so a registry entry that also holds private or symmetric material
 * can never turn into an HMAC secret or a private key. Cached per registered key object.
 */
async function importPartnerKey(jwk: JWK, alg: DetachedJwsAlgorithm): Promise<CryptoKey> {
  let pending = importedKeys.get(jwk);
  if (pending === undefined) {
    pending = importPublicJwk(jwk, alg);
    importedKeys.set(jwk, pending);
  }
  try {
    return await pending;
  } catch (e) {
    importedKeys.delete(jwk);
    throw new PipelineError('config-invalid', 'registered partner key cannot be imported', { cause: e });
  }
}

async function importPublicJwk(jwk: JWK, alg: DetachedJwsAlgorithm): Promise<CryptoKey> {
  const members: JWK | undefined =
    jwk.kty === 'EC'
      ? { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y }
      : jwk.kty === 'OKP'
        ? { kty: 'OKP', crv: jwk.crv, x: jwk.x }
        : jwk.kty === 'RSA'
          ? { kty: 'RSA', n: jwk.n, e: jwk.e }
          : undefined;
  if (members === undefined) throw new TypeError('registered key is not an asymmetric public key');
  const key = await importJWK(members, alg);
  if (key instanceof Uint8Array || key.type !== 'public') {
    throw new TypeError('registered key did not import as a public key');
  }
  return key;
}
