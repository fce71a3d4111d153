import type { JWK } from 'jose';
import { PipelineError } from '../errors.js';

/**
 * SMART Backend Services client assertion (RFC 7523), valid for five minutes at most. Partners sign
 * one to get an access token; the deliver workers sign one for a consumer's FHIR server.
 */
export async function clientAssertion(
  clientId: string,
  privateJwk: JWK,
  tokenUrl: string,
  opts: { now?: Date; jti?: string; lifetimeSeconds?: number } = {},
): Promise<string> {
  const alg = signingAlgorithmOf(privateJwk);
  // Loaded here, not with the module: the CLI and the workers import this file without signing.
  const { importJWK, SignJWT } = await import('jose');
  const now = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg, kid: privateJwk.kid, typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(tokenUrl)
    .setIssuedAt(now)
    .setExpirationTime(now + (opts.lifetimeSeconds ?? 240))
    .setJti(opts.jti ?? crypto.randomUUID())
    .sign(await importJWK(privateJwk, alg));
}

/** The algorithm a private JWK declares; a key without `alg` and `kid` cannot sign anything we send. */
export function signingAlgorithmOf(jwk: JWK): string {
  if (typeof jwk.alg !== 'string' || typeof jwk.kid !== 'string')
    throw new PipelineError('config-invalid', 'the private JWK needs alg and kid');
  return jwk.alg;
}
