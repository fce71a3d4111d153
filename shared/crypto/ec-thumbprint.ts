import { createHash } from 'node:crypto';

/**
 * RFC 7638 thumbprint (SHA-256, base64url) of an EC public JWK: the required members in
 * lexicographic order, no whitespace. The same value as jose's `calculateJwkThumbprint`, without
 * loading jose in every process that only needs the issuer's `kid`.
 */
export function ecJwkThumbprint(jwk: {
  readonly kty: 'EC';
  readonly crv: string;
  readonly x: string;
  readonly y: string;
}): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}
