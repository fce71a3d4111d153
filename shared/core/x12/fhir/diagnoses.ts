import type { ClaimDiagnosis, ClaimProcedure } from '@medplum/fhirtypes';
import {
  coding,
  concept,
  DIAGNOSIS_QUALIFIERS,
  DIAGNOSIS_TYPE,
  DRG_QUALIFIER,
  icdCode,
  PROCEDURE_QUALIFIERS,
  SYSTEM,
} from './codes.js';
import type { MappingContext } from './context.js';
import { components, inLoop, segmentsIn } from './segments.js';
import { x12Period } from './values.js';

/** One HI composite: its qualifier (HIxx-1), code (-2), date format and date (-3, -4), POA (-9). */
interface HiCode {
  readonly qualifier: string;
  readonly code: string;
  readonly parts: readonly string[];
}

function hiCodes(context: MappingContext): HiCode[] {
  const codes: HiCode[] = [];
  for (const hi of segmentsIn(context.claim.claim, 'HI', inLoop('2300'))) {
    for (let n = 1; n < hi.elements.length; n++) {
      const parts = components(hi, n, context.delimiters);
      const [qualifier, code] = parts;
      if (qualifier !== undefined && code !== undefined && code !== '')
        codes.push({ qualifier, code, parts });
    }
  }
  return codes;
}

/**
 * Claim.diagnosis from the HI diagnosis code lists in file order (principal, admitting, reason for
 * visit, external cause, other), so that Claim.diagnosis.sequence n is the n-th diagnosis code of the
 * claim: the number SV107's pointers use. The 837I's present-on-admission indicator (HIxx-9) becomes
 * onAdmission.
 */
export function mapDiagnoses(context: MappingContext): ClaimDiagnosis[] {
  const diagnoses: ClaimDiagnosis[] = [];
  for (const { qualifier, code, parts } of hiCodes(context)) {
    const list = DIAGNOSIS_QUALIFIERS[qualifier];
    if (list === undefined) continue;
    const poa = context.claim.kind === '837I' ? parts[8] : undefined;
    diagnoses.push({
      sequence: diagnoses.length + 1,
      diagnosisCodeableConcept: concept(list.system, icdCode(list.system, code, false)),
      type: [{ coding: [DIAGNOSIS_TYPE[list.kind]] }],
      ...(poa === undefined || poa === '' ? {} : { onAdmission: concept(SYSTEM.presentOnAdmission, poa) }),
    });
  }
  return diagnoses;
}

/** Claim.procedure from the 837I's principal and other procedure code lists, with their dates. */
export function mapProcedures(context: MappingContext): ClaimProcedure[] {
  const procedures: ClaimProcedure[] = [];
  for (const { qualifier, code, parts } of hiCodes(context)) {
    const list = PROCEDURE_QUALIFIERS[qualifier];
    if (list === undefined) continue;
    const date = x12Period(parts[2], parts[3])?.start;
    procedures.push({
      sequence: procedures.length + 1,
      type: [concept(SYSTEM.c4bbProcedureType, list.principal ? 'principal' : 'other')],
      ...(date === undefined ? {} : { date }),
      procedureCodeableConcept: concept(list.system, icdCode(list.system, code, true)),
    });
  }
  return procedures;
}

/** The 837I's DRG (HI*DR), when the claim carries one. */
export function drgOf(context: MappingContext): ReturnType<typeof coding> | undefined {
  const drg = hiCodes(context).find((c) => c.qualifier === DRG_QUALIFIER);
  return drg === undefined ? undefined : coding(SYSTEM.drg, drg.code);
}
