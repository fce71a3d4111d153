import type { Jwk } from './jwk.js';

/** The partner routes a registration may be limited to (docs/partners.md). */
export const PARTNER_ROUTES = [
  'bundles',
  'claims',
  'uploads',
  'status',
  'errors',
  'acknowledgement',
] as const;
export type PartnerRoute = (typeof PARTNER_ROUTES)[number];

export const RISK_TIERS = ['low', 'moderate', 'high'] as const;
export type RiskTier = (typeof RISK_TIERS)[number];

export const BAA_STATUSES = ['active', 'pending', 'terminated'] as const;
export type BaaStatus = (typeof BAA_STATUSES)[number];

/** The business associate agreement; dates are `YYYY-MM-DD`, and `expiresAt` is the last day it holds (UTC). */
export interface BusinessAssociateAgreement {
  readonly status: BaaStatus;
  readonly signedAt?: string;
  readonly expiresAt: string;
}

/**
 * A public key of the partner: a JWK (`kid`, `alg` pinned) plus its validity window. A key verifies only
 * while `notBefore <= now < notAfter` and before `revokedAt`; absent bounds are open (records written
 * before governance existed).
 */
export type PartnerKey = Jwk & {
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly revokedAt?: string;
};

export interface PartnerRecord {
  readonly id: string;
  /** Scopes the partner may be granted (SMART v1 `.write` or v2 `.c` forms). */
  readonly scopes: readonly string[];
  /** Public keys; each has `kid` and `alg` (the alg is pinned per key). */
  readonly keys: readonly PartnerKey[];
  /** `disabled` (earlier versions) refuses as unauthenticated; `revoked` as partner-not-authorized. */
  readonly status: 'active' | 'disabled' | 'revoked';
  readonly createdAt: string;
  /**
   * Governance (docs/partners.md). Optional so records written before it keep loading, but a partner
   * without a BAA is refused with partner-not-authorized until `phi partner set` gives it one.
   */
  readonly baa?: BusinessAssociateAgreement;
  readonly riskTier?: RiskTier;
  /** The accountable person (name or e-mail) on this side; never shown to partners. */
  readonly owner?: string;
  /** Absent: every partner route. */
  readonly routes?: readonly PartnerRoute[];
  /** CIDRs (IPv4 or IPv6) the partner may call from; absent: any address. */
  readonly sourceCidrs?: readonly string[];
  /** `YYYY-MM-DD`. */
  readonly nextReviewDue?: string;
  readonly revokedAt?: string;
}

export interface PartnerRegistry {
  get(id: string): Promise<PartnerRecord | undefined>;
  put(record: PartnerRecord): Promise<void>;
  list(): Promise<PartnerRecord[]>;
}
