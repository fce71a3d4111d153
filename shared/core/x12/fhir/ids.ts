import { createHash } from 'node:crypto';
import type { ClaimUnit } from '../read-model.js';

/**
 * Deterministic resource ids: RFC 9562 version-5 (SHA-1, name-based) UUIDs in our own namespace, so
 * mapping the same claim twice yields the same Bundle. A claim's resources are named by the claim's
 * control numbers (ISA13, GS06, ST02) and its index in the file plus the resource's role.
 */

/** The namespace of the 837 → FHIR mapping's names (a v4-shaped constant of our own). */
const NAMESPACE = Buffer.from('5c2a9e4b7d1f4e0a9b3c6d8e2f1a4b7c', 'hex');

export function uuidV5(name: string): string {
  const bytes = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The name of one claim: control numbers and its index, joined with a separator no control number holds. */
export const claimName = (claim: ClaimUnit): string =>
  ['x12-837', claim.interchange, claim.group, claim.transactionSet, String(claim.index)].join('|');

/** Ids for the resources of one claim, by role (`claim`, `billing`, `payer`, `careteam/2` …). */
export function claimIds(claim: ClaimUnit): (role: string) => string {
  const base = claimName(claim);
  return (role) => uuidV5(`${base}|${role}`);
}
