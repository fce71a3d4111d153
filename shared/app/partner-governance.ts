import type { Jwk } from '../ports/jwk.js';
import type { PartnerKey, PartnerRecord, PartnerRoute } from '../ports/partner-registry.js';
import { sourceAllowed } from './partner-governance-network.js';

/**
 * Why a partner that authenticated may still not be served (SPEC §5 `partner-not-authorized`). The
 * reason goes to the audit record and the operator; the partner sees only the code.
 */
export type GovernanceRefusal =
  | 'baa-missing'
  | 'baa-not-active'
  | 'baa-expired'
  | 'partner-revoked'
  | 'source-not-allowed'
  | 'route-not-allowed';

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` names a whole UTC day: an agreement expiring on a day still holds through that day. */
export const endOfDay = (date: string): number => Date.parse(`${date}T00:00:00.000Z`) + DAY_MS;

/**
 * The governance verdict on a partner at `now`, calling from `sourceIp` on `route` (undefined at the
 * token endpoint): undefined when it may be served.
 */
export function governanceRefusal(
  partner: PartnerRecord,
  at: { readonly now: Date; readonly sourceIp: string; readonly route?: PartnerRoute },
): GovernanceRefusal | undefined {
  const standing = standingRefusal(partner, at.now);
  if (standing !== undefined) return standing;
  if (partner.sourceCidrs !== undefined && !sourceAllowed(partner.sourceCidrs, at.sourceIp)) {
    return 'source-not-allowed';
  }
  if (at.route !== undefined && partner.routes !== undefined && !partner.routes.includes(at.route)) {
    return 'route-not-allowed';
  }
  return undefined;
}

/**
 * The part of the verdict that does not depend on the request: revoked, or no active BAA at `now`.
 * What a bulk submission's files are held to when they arrive (the PUTs carry no partner credentials).
 */
export function standingRefusal(
  partner: PartnerRecord,
  now: Date,
): 'partner-revoked' | 'baa-missing' | 'baa-not-active' | 'baa-expired' | undefined {
  if (partner.status === 'revoked' || partner.revokedAt !== undefined) return 'partner-revoked';
  if (partner.baa === undefined) return 'baa-missing';
  if (partner.baa.status !== 'active') return 'baa-not-active';
  if (now.getTime() >= endOfDay(partner.baa.expiresAt)) return 'baa-expired';
  return undefined;
}

/** Whether `key` may verify at `now`: inside `[notBefore, notAfter)` and not revoked. */
export function keyUsable(key: PartnerKey, now: Date): boolean {
  const t = now.getTime();
  if (key.revokedAt !== undefined && t >= Date.parse(key.revokedAt)) return false;
  if (key.notBefore !== undefined && t < Date.parse(key.notBefore)) return false;
  if (key.notAfter !== undefined && t >= Date.parse(key.notAfter)) return false;
  return true;
}

/**
 * The partner's keys that verify at `now`, as plain JWKs (the window members stripped): the only keys
 * the token endpoint and the signature check ever see, so a key outside its window cannot verify.
 */
export function usableKeys(partner: PartnerRecord, now: Date): Jwk[] {
  return partner.keys
    .filter((key) => keyUsable(key, now))
    .map(({ notBefore: _nb, notAfter: _na, revokedAt: _r, ...jwk }) => jwk);
}

export type ReviewFlag =
  | 'baa-missing'
  | 'baa-not-active'
  | 'baa-expired'
  | 'baa-expiring'
  | 'review-overdue'
  | 'review-missing'
  | 'key-expiring'
  | 'no-usable-key'
  | 'revoked';

/**
 * What `phi partner list` flags: overdue or missing reviews, BAAs not active, expired or expiring within
 * `withinDays`, keys that stop verifying within `withinDays`, and partners left with no usable key.
 */
export function reviewFlags(partner: PartnerRecord, now: Date, withinDays = 30): ReviewFlag[] {
  if (partner.status === 'revoked' || partner.revokedAt !== undefined) return ['revoked'];
  const flags: ReviewFlag[] = [];
  const t = now.getTime();
  const horizon = t + withinDays * DAY_MS;
  if (partner.baa === undefined) flags.push('baa-missing');
  else if (partner.baa.status !== 'active') flags.push('baa-not-active');
  else if (t >= endOfDay(partner.baa.expiresAt)) flags.push('baa-expired');
  else if (horizon >= endOfDay(partner.baa.expiresAt)) flags.push('baa-expiring');
  if (partner.nextReviewDue === undefined) flags.push('review-missing');
  else if (t >= endOfDay(partner.nextReviewDue)) flags.push('review-overdue');
  const live = partner.keys.filter((key) => keyUsable(key, now));
  if (live.length === 0) flags.push('no-usable-key');
  const lastsBeyond = (key: PartnerKey) =>
    (key.notAfter === undefined || Date.parse(key.notAfter) > horizon) &&
    (key.revokedAt === undefined || Date.parse(key.revokedAt) > horizon);
  // A rotation's outgoing key expiring is expected; flag only when no key outlasts the horizon.
  if (live.length > 0 && !live.some(lastsBeyond)) flags.push('key-expiring');
  return flags;
}
