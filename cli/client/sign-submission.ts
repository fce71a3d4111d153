import { createHash } from 'node:crypto';
import { FlattenedSign, importJWK, type JWK } from 'jose';
import { signingAlgorithmOf } from '../../shared/core/auth/sign-client-assertion.js';

export { clientAssertion } from '../../shared/core/auth/sign-client-assertion.js';

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
  const alg = signingAlgorithmOf(privateJwk);
  const key = await importJWK(privateJwk, alg);
  const iat = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  const unencoded = (opts.encoding ?? 'unencoded') === 'unencoded';
  const header = unencoded
    ? { alg, kid: privateJwk.kid, iat, b64: false, crit: ['b64'] }
    : { alg, kid: privateJwk.kid, iat };
  const jws = await new FlattenedSign(body).setProtectedHeader(header).sign(key);
  return `${jws.protected}..${jws.signature}`;
}
