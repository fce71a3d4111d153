import { randomUUID } from 'node:crypto';
import { importJWK, type JWK, errors as joseErrors, jwtVerify } from 'jose';
import { reject } from '../errors.js';

export const ACCESS_TOKEN_TTL_SECONDS = 300;

export interface AccessTokenClaims {
  readonly partnerId: string;
  readonly scopes: readonly string[];
}

/** What the token needs from the signer: the TokenSigner port, kept structural so core stays pure. */
export interface AccessTokenSigner {
  readonly alg: 'ES256';
  kid(): Promise<string>;
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Builds and signs an RFC 9068 style access token through the signer port (local key or KMS). */
export async function issueAccessToken(
  claims: AccessTokenClaims,
  opts: { signer: AccessTokenSigner; issuer: string; audience: string; now: Date; ttlSeconds?: number },
): Promise<{ token: string; expiresIn: number }> {
  const iat = Math.floor(opts.now.getTime() / 1000);
  const expiresIn = opts.ttlSeconds ?? ACCESS_TOKEN_TTL_SECONDS;
  const header = { alg: opts.signer.alg, kid: await opts.signer.kid(), typ: 'at+jwt' };
  const payload = {
    iss: opts.issuer,
    aud: opts.audience,
    sub: claims.partnerId,
    client_id: claims.partnerId,
    scope: claims.scopes.join(' '),
    iat,
    exp: iat + expiresIn,
    jti: randomUUID(),
  };
  const signingInput = `${b64url(header)}.${b64url(payload)}`;
  const signature = await opts.signer.sign(new TextEncoder().encode(signingInput));
  return { token: `${signingInput}.${Buffer.from(signature).toString('base64url')}`, expiresIn };
}

// Importing the issuer key per request costs an EC point validation; there are one or two issuer keys.
const importedIssuerKeys = new Map<string, ReturnType<typeof importJWK>>();
function importIssuerKey(jwk: JWK): ReturnType<typeof importJWK> {
  const id = `${jwk.kty}:${jwk.crv}:${jwk.x}:${jwk.y}`;
  let key = importedIssuerKeys.get(id);
  if (!key) {
    if (importedIssuerKeys.size > 8) importedIssuerKeys.clear();
    key = importJWK(jwk, 'ES256');
    importedIssuerKeys.set(id, key);
  }
  return key;
}

const unauthenticated = (why: string) =>
  reject('unauthenticated', why, { headers: { 'WWW-Authenticate': 'Bearer' } });

/** Verifies a bearer token against the issuer's public key; every failure is `unauthenticated`. */
export async function verifyAccessToken(
  authorization: string | undefined,
  opts: { issuerKey: JWK; issuer: string; audience: string; now: Date },
): Promise<AccessTokenClaims> {
  if (!authorization) throw unauthenticated('Authorization header is missing');
  const m = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/i.exec(authorization.trim());
  if (!m?.[1] || m[1].length > 4096) throw unauthenticated('Authorization is not a Bearer token');
  try {
    const { payload } = await jwtVerify(m[1], await importIssuerKey(opts.issuerKey), {
      algorithms: ['ES256'],
      issuer: opts.issuer,
      audience: opts.audience,
      typ: 'at+jwt',
      currentDate: opts.now,
      requiredClaims: ['exp', 'sub', 'scope'],
    });
    if (typeof payload.sub !== 'string' || typeof payload.scope !== 'string') {
      throw unauthenticated('access token lacks subject or scope');
    }
    return { partnerId: payload.sub, scopes: payload.scope.split(' ').filter(Boolean) };
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) throw unauthenticated('access token expired');
    if (e instanceof joseErrors.JOSEError) throw unauthenticated(`access token rejected (${e.code})`);
    throw e;
  }
}
