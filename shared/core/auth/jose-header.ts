/** Header members that would let a token choose its own verification key; never honoured. */
export const EMBEDDED_KEY_MEMBERS = ['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256'] as const;

/** Algorithms a partner key may be pinned to (SPEC §3). */
export const PARTNER_ALGORITHMS = ['ES256', 'ES384', 'PS256', 'EdDSA'] as const;
export type PartnerAlgorithm = (typeof PARTNER_ALGORITHMS)[number];

export const isPartnerAlgorithm = (alg: unknown): alg is PartnerAlgorithm =>
  typeof alg === 'string' && (PARTNER_ALGORITHMS as readonly string[]).includes(alg);

/** Decodes the protected header of a compact JWS/JWT without trusting it; undefined when not decodable. */
export function peekProtectedHeader(compact: string, maxLength = 8192): Record<string, unknown> | undefined {
  if (compact.length > maxLength) return undefined;
  const first = compact.split('.', 1)[0] ?? '';
  if (!/^[A-Za-z0-9_-]+$/.test(first)) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(first, 'base64url').toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
