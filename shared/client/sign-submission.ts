import { createHash } from 'node:crypto';
import { FlattenedSign, importJWK, type JWK, SignJWT } from 'jose';

/** RFC 9530 Content-Digest over the exact bytes. */
export const contentDigestHeader = (body: Uint8Array): string =>
  `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;

/**
 * A detached compact JWS (`HEADER..SIGNATURE`) over the exact body bytes: unencoded (RFC 7797,
 * b64:false) by default, which avoids a base64 copy of a large body; standard RFC 7515 Appendix F on request.
 */
export async function signDetached(
  body: Uint8Array,
  privateJwk: JWK,
  opts: { now?: Date; encoding?: 'unencoded' | 'standard' } = {},
): Promise<string> {
  const alg = requireAlg(privateJwk);
  const key = await importJWK(privateJwk, alg);
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const unencoded = (opts.encoding ?? 'unencoded') === 'unencoded';
  const header = unencoded
    ? { alg, kid: privateJwk.kid, iat, b64: false, crit: ['b64'] }
    : { alg, kid: privateJwk.kid, iat };
  const jws = await new FlattenedSign(body).setProtectedHeader(header).sign(key);
  return `${jws.protected}..${jws.signature}`;
}

/** SMART Backend Services client assertion (RFC 7523), valid for five minutes at most. */
export async function clientAssertion(
  partnerId: string,
  privateJwk: JWK,
  tokenUrl: string,
  opts: { now?: Date; jti?: string; lifetimeSeconds?: number } = {},
): Promise<string> {
  const alg = requireAlg(privateJwk);
  const now = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg, kid: privateJwk.kid, typ: 'JWT' })
    .setIssuer(partnerId)
    .setSubject(partnerId)
    .setAudience(tokenUrl)
    .setIssuedAt(now)
    .setExpirationTime(now + (opts.lifetimeSeconds ?? 240))
    .setJti(opts.jti ?? crypto.randomUUID())
    .sign(await importJWK(privateJwk, alg));
}

function requireAlg(jwk: JWK): string {
  if (typeof jwk.alg !== 'string' || typeof jwk.kid !== 'string')
    throw new Error('the private JWK needs alg and kid');
  return jwk.alg;
}
