import { PipelineError } from '../core/errors.js';
import type { AuditSink, Clock, Jwk, PartnerRegistry } from '../ports/index.js';
import type { PartnerKey, PartnerRecord, RiskTier } from '../ports/partner-registry.js';
import {
  auditedOperatorAction,
  type OperatorContext,
  type OperatorTargets,
  type OperatorVerb,
} from './operator-actions.js';
import { keyUsable } from './partner-governance.js';

type AdminDeps = { readonly partners: PartnerRegistry; readonly audit: AuditSink; readonly clock: Clock };

/** Who acts, why and from where (the ticket helper's OperatorContext). */
export type PartnerOperator = OperatorContext;

type Targets = OperatorTargets;

/**
 * Runs one operator change of a partner record through the shared operator action record: actor
 * `operator`, action the verb, outcome and code, and in `details` the partner, ticket, host and what
 * changed (ids and dates, never key material). The ticket is checked before anything is read.
 */
async function audited<T extends Targets>(
  deps: AdminDeps,
  who: PartnerOperator,
  verb: Extract<OperatorVerb, `partner.${string}`>,
  partnerId: string,
  work: () => Promise<T>,
): Promise<T> {
  return auditedOperatorAction(deps, who, { verb, targets: { partner: partnerId } }, async () => {
    const targets = await work();
    return { result: targets, targets };
  });
}

/**
 * Registers a partner through `register` (which writes its record and key) and audits the outcome: a
 * new partner changes who may submit PHI, so it is in the chain like a revocation.
 */
export function auditedPartnerAdd(
  deps: AdminDeps,
  who: PartnerOperator,
  partnerId: string,
  register: () => Promise<void>,
): Promise<Targets> {
  return audited(deps, who, 'partner.add', partnerId, async () => {
    await register();
    const record = await existing(deps, partnerId);
    return {
      kid: record.keys[0]?.kid ?? '',
      baaExpiresAt: record.baa?.expiresAt ?? '',
      riskTier: record.riskTier ?? '',
    };
  });
}

async function existing(deps: AdminDeps, partnerId: string): Promise<PartnerRecord> {
  const record = await deps.partners.get(partnerId);
  if (record === undefined) {
    throw new PipelineError('config-invalid', `partner ${partnerId} is not registered`, {
      details: { partner: partnerId },
    });
  }
  return record;
}

/**
 * Revokes the partner (every route and the token endpoint refuse it from the next request on), or with
 * `kid` only that key (it stops verifying at once; the partner's other keys still do).
 */
export function revokePartner(
  deps: AdminDeps,
  who: PartnerOperator,
  partnerId: string,
  kid?: string,
): Promise<Targets> {
  return audited(deps, who, 'partner.revoke', partnerId, async (): Promise<Targets> => {
    const record = await existing(deps, partnerId);
    const revokedAt = deps.clock.now().toISOString();
    if (kid === undefined) {
      await deps.partners.put({ ...record, status: 'revoked', revokedAt });
      return { revokedAt };
    }
    if (!record.keys.some((key) => key.kid === kid)) {
      throw new PipelineError('config-invalid', `partner ${partnerId} has no key with that kid`, {
        details: { partner: partnerId },
      });
    }
    const keys = record.keys.map((key) => (key.kid === kid && !key.revokedAt ? { ...key, revokedAt } : key));
    await deps.partners.put({ ...record, keys });
    return { kid, revokedAt };
  });
}

export interface Rotation {
  /** The new public key: `kid` and `alg` set, no private members. */
  readonly key: Jwk;
  /** How long the keys usable now keep verifying beside the new one; 0 stops them at once. */
  readonly overlapMs: number;
  /** The new key's lifetime; absent: no `notAfter`. */
  readonly lifetimeMs?: number;
}

/**
 * Adds a new key, usable from now, and gives every key usable now a `notAfter` at the end of the
 * overlap (an earlier `notAfter` is kept): during the window both verify, after it only the new one.
 */
export function rotatePartnerKey(
  deps: AdminDeps,
  who: PartnerOperator,
  partnerId: string,
  rotation: Rotation,
): Promise<{ readonly kid: string; readonly retired: string; readonly oldKeysUntil: string }> {
  return audited(deps, who, 'partner.rotate-key', partnerId, async () => {
    const record = await existing(deps, partnerId);
    const now = deps.clock.now();
    const kid = rotation.key.kid;
    if (kid === undefined || record.keys.some((key) => key.kid === kid)) {
      throw new PipelineError('config-invalid', 'the new key needs a kid the partner does not have yet', {
        details: { partner: partnerId },
      });
    }
    const until = new Date(now.getTime() + rotation.overlapMs);
    const retired: string[] = [];
    const keys: PartnerKey[] = record.keys.map((key) => {
      if (!keyUsable(key, now)) return key;
      retired.push(key.kid ?? '');
      const keepsEarlier = key.notAfter !== undefined && Date.parse(key.notAfter) <= until.getTime();
      return keepsEarlier ? key : { ...key, notAfter: until.toISOString() };
    });
    const added: PartnerKey = {
      ...rotation.key,
      notBefore: now.toISOString(),
      ...(rotation.lifetimeMs === undefined
        ? {}
        : { notAfter: new Date(now.getTime() + rotation.lifetimeMs).toISOString() }),
    };
    await deps.partners.put({ ...record, keys: [...keys, added] });
    return { kid, retired: retired.join(' '), oldKeysUntil: until.toISOString() };
  });
}

export interface GovernanceChanges {
  readonly baaStatus?: 'active' | 'pending' | 'terminated';
  readonly baaSignedAt?: string;
  readonly baaExpiresAt?: string;
  readonly nextReviewDue?: string;
  readonly riskTier?: RiskTier;
  readonly owner?: string;
  readonly sourceCidrs?: readonly string[];
  readonly routes?: PartnerRecord['routes'];
  readonly scopes?: readonly string[];
}

/**
 * Changes governance fields of a partner (the registry validates the result and names any bad field).
 * A partner without a BAA gets one only when both its status (default `active`) and expiry are given.
 */
export function setPartnerGovernance(
  deps: AdminDeps,
  who: PartnerOperator,
  partnerId: string,
  changes: GovernanceChanges,
): Promise<Targets> {
  return audited(deps, who, 'partner.set', partnerId, async () => {
    const record = await existing(deps, partnerId);
    const baaTouched =
      changes.baaStatus !== undefined ||
      changes.baaSignedAt !== undefined ||
      changes.baaExpiresAt !== undefined;
    let baa = record.baa;
    if (baaTouched) {
      const expiresAt = changes.baaExpiresAt ?? record.baa?.expiresAt;
      if (expiresAt === undefined) {
        throw new PipelineError('usage', 'a partner without a BAA needs --baa-expires', {
          details: { partner: partnerId },
        });
      }
      const signedAt = changes.baaSignedAt ?? record.baa?.signedAt;
      baa = {
        status: changes.baaStatus ?? record.baa?.status ?? 'active',
        ...(signedAt === undefined ? {} : { signedAt }),
        expiresAt,
      };
    }
    const next: PartnerRecord = {
      ...record,
      ...(baa === undefined ? {} : { baa }),
      ...(changes.nextReviewDue === undefined ? {} : { nextReviewDue: changes.nextReviewDue }),
      ...(changes.riskTier === undefined ? {} : { riskTier: changes.riskTier }),
      ...(changes.owner === undefined ? {} : { owner: changes.owner }),
      ...(changes.sourceCidrs === undefined ? {} : { sourceCidrs: [...changes.sourceCidrs] }),
      ...(changes.routes === undefined ? {} : { routes: [...changes.routes] }),
      ...(changes.scopes === undefined ? {} : { scopes: [...changes.scopes] }),
    };
    if (next.sourceCidrs?.length === 0) delete (next as { sourceCidrs?: unknown }).sourceCidrs;
    await deps.partners.put(next);
    // Which fields changed, by name: an owner or a CIDR is not content, but names suffice here.
    return { fields: Object.keys(changes).sort().join(' ') };
  });
}
