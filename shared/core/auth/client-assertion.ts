import { importJWK, type JWK, errors as joseErrors, jwtVerify } from 'jose';
import { OAuthError } from '../errors.js';
import { PARTNER_ID } from '../ids.js';
import { EMBEDDED_KEY_MEMBERS, isPartnerAlgorithm, peekProtectedHeader } from './jose-header.js';

/** SMART Backend Services: an assertion may live at most five minutes. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const CLOCK_SKEW_SECONDS = 60;

export interface VerifiedAssertion {
  readonly partnerId: string;
  readonly jti: string;
  /** Epoch seconds; the replay cache must remember the jti until then. */
  readonly exp: number;
}

const refuse = (why: string) => new OAuthError('invalid_client', why);

/** Reads `iss` without verifying, only to find whose keys to verify with. */
export function claimedIssuer(assertion: string): string | undefined {
  const parts = assertion.split('.');
  if (parts.length !== 3 || assertion.length > 16_384) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    const iss = (claims as { iss?: unknown } | null)?.iss;
    return typeof iss === 'string' && PARTNER_ID.test(iss) ? iss : undefined;
  } catch {
    return undefined;
  }
}

/**
 * RFC 7523 private_key_jwt as SMART Backend Services profiles it: signed by a registered key of the
 * partner (alg pinned per key), iss = sub = partner id, aud = the token URL, exp at most five minutes
 * ahead, a jti. Replay of the jti is the caller's check (it needs storage).
 */
export async function verifyClientAssertion(
  assertion: string,
  opts: { partnerId: string; partnerKeys: readonly JWK[]; tokenUrl: string; now: Date },
): Promise<VerifiedAssertion> {
  const header = peekProtectedHeader(assertion);
  if (!header) throw refuse('client_assertion is not a compact JWT');
  if (EMBEDDED_KEY_MEMBERS.some((m) => m in header))
    throw refuse('client_assertion header names its own key');
  if (header.crit !== undefined) throw refuse('client_assertion header has unsupported crit');
  const kid = header.kid;
  if (typeof kid !== 'string' || kid.length > 128) throw refuse('client_assertion header lacks a kid');
  const jwk = opts.partnerKeys.find((k) => k.kid === kid);
  if (!jwk || !isPartnerAlgorithm(jwk.alg))
    throw refuse('client_assertion kid is not registered to the client');
  if (header.alg !== jwk.alg) throw refuse('client_assertion alg does not match the registered key');

  const nowSeconds = Math.floor(opts.now.getTime() / 1000);
  let payload: Record<string, unknown>;
  try {
    const key = await importJWK(jwk, jwk.alg);
    ({ payload } = await jwtVerify(assertion, key, {
      algorithms: [jwk.alg],
      issuer: opts.partnerId,
      subject: opts.partnerId,
      audience: opts.tokenUrl,
      currentDate: opts.now,
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ['exp', 'jti'],
    }));
  } catch (e) {
    if (e instanceof joseErrors.JOSEError) throw refuse(`client_assertion rejected (${e.code})`);
    throw e;
  }
  const { exp, jti } = payload;
  if (typeof exp !== 'number' || exp - nowSeconds > MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
    throw refuse('client_assertion exp is more than five minutes ahead');
  }
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 255)
    throw refuse('client_assertion jti invalid');
  return { partnerId: opts.partnerId, jti, exp };
}
