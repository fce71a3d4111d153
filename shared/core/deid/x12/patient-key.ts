import { hash } from 'node:crypto';
import type { PlacedSegment } from '../../x12/read-model.js';

/**
 * Who a claim is about, as one key the X12 de-identifier and the 837→FHIR mapper both compute: the
 * patient is the 2010CA patient when a 2000C loop exists, else the 2010BA subscriber. The key is a
 * hash of the payer id (2010BB NM109) and the subscriber's member id (2010BA NM109), plus, for a
 * dependent, the patient's last and first name and birth date (dependents share the member id).
 * Values are trimmed and upper-cased first, so spacing and case in the file do not split a patient.
 */
export interface ClaimPatientFacts {
  /** 2010BB NM109. */
  readonly payerId: string;
  /** 2010BA NM109. */
  readonly memberId: string;
  /** 2010CA NM103, NM104 and DMG02, only when the patient is a 2000C dependent. */
  readonly dependent?: {
    readonly lastName: string;
    readonly firstName: string;
    readonly birthDate: string;
  };
}

const norm = (value: string): string => value.trim().toUpperCase();

/** 64 lowercase hex characters; never written to an output as such (it is only hashed or keyed). */
export function claimPatientKey(facts: ClaimPatientFacts): string {
  const parts = ['x12-837-patient/v1', norm(facts.payerId), norm(facts.memberId)];
  if (facts.dependent !== undefined) {
    const { lastName, firstName, birthDate } = facts.dependent;
    parts.push('dependent', norm(lastName), norm(firstName), norm(birthDate));
  }
  // A separator that never occurs in X12 data (control characters are refused by the reader).
  // crypto.hash: the one-shot digest, without a Hash object per key (Node ≥ 20.12).
  return hash('sha256', parts.join('\u0001'), 'hex');
}

/**
 * The Patient.id the FHIR mapper assigns to the claim's patient: a valid FHIR id (`[A-Za-z0-9\-.]{1,64}`).
 * The de-identifier shifts dates under `Patient/<this id>`, the key FHIR de-identification uses for
 * the mapped bundle's Patient, so the patient's dates move by the same days in both formats.
 */
export function claimPatientId(key: string): string {
  return `x12-${key.slice(0, 40)}`;
}

/** The date-shift key of a claim's patient, as FHIR de-identification names the mapped Patient. */
export const claimPatientShiftKey = (key: string): string => `Patient/${claimPatientId(key)}`;

const element = (segment: PlacedSegment | undefined, n: number): string => segment?.elements[n] ?? '';

/**
 * The key from the loops as the reader placed them: `subscriber` is 2000B with 2010BA/BB, `patient`
 * is 2000C with 2010CA (a ClaimUnit's `subscriber` and `patient`), undefined when the subscriber is
 * the patient.
 */
export function claimPatientKeyOf(
  subscriber: readonly PlacedSegment[],
  patient: readonly PlacedSegment[] | undefined,
): string {
  const nm1 = (segments: readonly PlacedSegment[], loop: string) =>
    segments.find((s) => s.id === 'NM1' && s.loop === loop);
  const payerId = element(nm1(subscriber, '2010BB'), 9);
  const memberId = element(nm1(subscriber, '2010BA'), 9);
  if (patient === undefined || patient.length === 0) return claimPatientKey({ payerId, memberId });
  const name = nm1(patient, '2010CA');
  const dmg = patient.find((s) => s.id === 'DMG' && s.loop === '2010CA');
  return claimPatientKey({
    payerId,
    memberId,
    dependent: { lastName: element(name, 3), firstName: element(name, 4), birthDate: element(dmg, 2) },
  });
}
