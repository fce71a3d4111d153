import type { ClaimUnit, Delimiters } from '../read-model.js';
import { uuidV5 } from './ids.js';
import { element, firstIn, inLoop } from './segments.js';

/**
 * STAND-IN until the deidx12 helper's `claimPatientKey` / `claimPatientId`
 * (shared/core/deid/x12/patient-key.ts) is merged: X12 and FHIR de-identification must give the same
 * patient the same date shift, so both must name the patient the same way. Replace, do not extend.
 *
 * The key: payer id and member id of the subscriber, plus, for a dependent (2000C), the patient's
 * name and birth date.
 */
export function localClaimPatientKey(claim: ClaimUnit, _delimiters: Delimiters): string {
  const payer = firstIn(claim.subscriber, 'NM1', inLoop('2010BB'), ['PR']);
  const subscriber = firstIn(claim.subscriber, 'NM1', inLoop('2010BA'), ['IL']);
  const parts = [element(payer, 9) ?? '', element(subscriber, 9) ?? ''];
  if (claim.patient !== undefined) {
    const patient = firstIn(claim.patient, 'NM1', inLoop('2010CA'), ['QC']);
    const dmg = firstIn(claim.patient, 'DMG', inLoop('2010CA'));
    parts.push(element(patient, 3) ?? '', element(patient, 4) ?? '', element(dmg, 2) ?? '');
  }
  return parts.map((part) => part.toUpperCase()).join('|');
}

/** The Patient.id for a patient key: a FHIR id, the same for the same key. */
export const localClaimPatientId = (key: string): string => uuidV5(`patient|${key}`);
