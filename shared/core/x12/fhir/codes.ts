import type { CodeableConcept, Coding } from '@medplum/fhirtypes';
import { x12IdentifierSystem } from '../../deid/x12/transform.js';

/** The code systems the 837 mapping writes, by canonical URL (see docs/x12-837-to-fhir.md). */
export const SYSTEM = {
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  icd9cm: 'http://hl7.org/fhir/sid/icd-9-cm',
  icd10pcs: 'http://www.cms.gov/Medicare/Coding/ICD10',
  cpt: 'http://www.ama-assn.org/go/cpt',
  hcpcs: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  revenue: 'https://www.nubc.org/CodeSystem/RevenueCodes',
  typeOfBill: 'https://www.nubc.org/CodeSystem/TypeOfBill',
  admitType: 'https://www.nubc.org/CodeSystem/PriorityTypeOfAdmitOrVisit',
  pointOfOrigin: 'https://www.nubc.org/CodeSystem/PointOfOrigin',
  dischargeStatus: 'https://www.nubc.org/CodeSystem/PatDischargeStatus',
  presentOnAdmission: 'https://www.nubc.org/CodeSystem/PresentOnAdmissionIndicators',
  drg: 'https://www.cms.gov/Medicare/Medicare-Fee-for-Service-Payment/AcuteInpatientPPS/MS-DRG-Classifications-and-Software',
  placeOfService: 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set',
  npi: 'http://hl7.org/fhir/sid/us-npi',
  tin: 'urn:oid:2.16.840.1.113883.4.4',
  taxonomy: 'http://nucc.org/provider-taxonomy',
  claimType: 'http://terminology.hl7.org/CodeSystem/claim-type',
  processPriority: 'http://terminology.hl7.org/CodeSystem/processpriority',
  identifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  diagnosisType: 'http://terminology.hl7.org/CodeSystem/ex-diagnosistype',
  careTeamRole: 'http://terminology.hl7.org/CodeSystem/claimcareteamrole',
  subscriberRelationship: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship',
  coverageClass: 'http://terminology.hl7.org/CodeSystem/coverage-class',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  dataAbsentReason: 'http://terminology.hl7.org/CodeSystem/data-absent-reason',
  c4bbIdentifierType: 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType',
  c4bbCareTeamRole: 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole',
  c4bbDiagnosisType: 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimDiagnosisType',
  c4bbProcedureType: 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimProcedureType',
  c4bbSupportingInfo: 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType',
  /**
   * Our own identifier systems for X12 identifiers no public naming system covers: the ones X12
   * de-identification pseudonymizes values under, so a value gets the same pseudonym in both formats.
   */
  clm01: x12IdentifierSystem('CLM01'),
  memberId: x12IdentifierSystem('MI'),
  medicalRecord: x12IdentifierSystem('EA'),
  claimReference: x12IdentifierSystem('F8'),
  payerId: 'urn:phi-pipeline:x12:payer-id',
} as const;

/** CARIN Blue Button STU 2.1.0 profiles (C4BB ships no Claim profile: it profiles the EOB). */
const C4BB = 'http://hl7.org/fhir/us/carin-bb/StructureDefinition';
export const PROFILE = {
  patient: `${C4BB}/C4BB-Patient|2.1.0`,
  coverage: `${C4BB}/C4BB-Coverage|2.1.0`,
  organization: `${C4BB}/C4BB-Organization|2.1.0`,
  practitioner: `${C4BB}/C4BB-Practitioner|2.1.0`,
} as const;

/** A FHIR code has no whitespace runs (`[^\s]+( [^\s]+)*`): an X12 value with them is normalized. */
export const codeValue = (code: string): string => code.trim().replace(/\s+/g, ' ');

export const coding = (system: string, code: string, display?: string): Coding =>
  display === undefined ? { system, code: codeValue(code) } : { system, code: codeValue(code), display };

export const concept = (system: string, code: string, display?: string): CodeableConcept => ({
  coding: [coding(system, code, display)],
});

/** DMG03 → Patient.gender (administrative-gender). */
export const GENDER: Readonly<Record<string, 'male' | 'female' | 'unknown'>> = {
  M: 'male',
  F: 'female',
  U: 'unknown',
};

/**
 * SBR02 / PAT01 / 2320 SBR02 (individual relationship code) → subscriber-relationship. Codes the FHIR
 * value set has no match for (employee, organ donor, cadaver donor, unknown) read `other`.
 */
export const RELATIONSHIP: Readonly<Record<string, string>> = {
  '18': 'self',
  '01': 'spouse',
  '19': 'child',
  '53': 'common',
  '20': 'other',
  '21': 'other',
  '39': 'other',
  '40': 'other',
  G8: 'other',
};

/** SBR01 payer responsibility sequence → Coverage.order. */
export const PAYER_ORDER: Readonly<Record<string, number>> = {
  P: 1,
  S: 2,
  T: 3,
  A: 4,
  B: 5,
  C: 6,
  D: 7,
  E: 8,
  F: 9,
  G: 10,
  H: 11,
};

/** The diagnosis code lists of the HI segment: which code system, and what kind of diagnosis. */
export interface HiQualifier {
  readonly system: string;
  readonly kind: 'principal' | 'admitting' | 'reason' | 'external' | 'other';
}

export const DIAGNOSIS_QUALIFIERS: Readonly<Record<string, HiQualifier>> = {
  ABK: { system: SYSTEM.icd10cm, kind: 'principal' },
  BK: { system: SYSTEM.icd9cm, kind: 'principal' },
  ABF: { system: SYSTEM.icd10cm, kind: 'other' },
  BF: { system: SYSTEM.icd9cm, kind: 'other' },
  ABJ: { system: SYSTEM.icd10cm, kind: 'admitting' },
  BJ: { system: SYSTEM.icd9cm, kind: 'admitting' },
  APR: { system: SYSTEM.icd10cm, kind: 'reason' },
  PR: { system: SYSTEM.icd9cm, kind: 'reason' },
  ABN: { system: SYSTEM.icd10cm, kind: 'external' },
  BN: { system: SYSTEM.icd9cm, kind: 'external' },
};

/** Claim.diagnosis.type for each kind: principal and admitting are base codes, the rest C4BB's. */
export const DIAGNOSIS_TYPE: Readonly<Record<HiQualifier['kind'], Coding>> = {
  principal: coding(SYSTEM.diagnosisType, 'principal'),
  admitting: coding(SYSTEM.diagnosisType, 'admitting'),
  reason: coding(SYSTEM.c4bbDiagnosisType, 'patientreasonforvisit'),
  external: coding(SYSTEM.c4bbDiagnosisType, 'externalcauseofinjury'),
  other: coding(SYSTEM.c4bbDiagnosisType, 'other'),
};

/** 837I procedure code lists: ICD-10-PCS (BBR principal, BBQ other) and ICD-9-CM volume 3 (BR, BQ). */
export const PROCEDURE_QUALIFIERS: Readonly<
  Record<string, { readonly system: string; readonly principal: boolean }>
> = {
  BBR: { system: SYSTEM.icd10pcs, principal: true },
  BBQ: { system: SYSTEM.icd10pcs, principal: false },
  BR: { system: SYSTEM.icd9cm, principal: true },
  BQ: { system: SYSTEM.icd9cm, principal: false },
};

/** HI qualifier of a DRG (837I). */
export const DRG_QUALIFIER = 'DR';

/**
 * ICD codes travel without their decimal point in X12; FHIR's ICD-10-CM and ICD-9-CM code systems
 * write it. ICD-10-PCS has none. ICD-9-CM procedure codes put it after two digits, E codes after four.
 */
export function icdCode(system: string, code: string, procedure: boolean): string {
  if (code.includes('.') || system === SYSTEM.icd10pcs) return code;
  const at = system === SYSTEM.icd9cm ? (procedure ? 2 : code.startsWith('E') ? 4 : 3) : 3;
  return code.length > at ? `${code.slice(0, at)}.${code.slice(at)}` : code;
}

/** The care-team role of a provider by its NM101 entity identifier code (2310x, 2420x loops). */
export const CARE_TEAM_ROLE: Readonly<Record<string, Coding>> = {
  '82': coding(SYSTEM.c4bbCareTeamRole, 'rendering'),
  '71': coding(SYSTEM.c4bbCareTeamRole, 'attending'),
  '72': coding(SYSTEM.c4bbCareTeamRole, 'operating'),
  ZZ: coding(SYSTEM.c4bbCareTeamRole, 'otheroperating'),
  DN: coding(SYSTEM.c4bbCareTeamRole, 'referring'),
  P3: coding(SYSTEM.c4bbCareTeamRole, 'referring'),
  DK: coding(SYSTEM.c4bbCareTeamRole, 'prescribing'),
  QB: coding(SYSTEM.c4bbCareTeamRole, 'purchasedservice'),
  DQ: coding(SYSTEM.careTeamRole, 'supervisor'),
};

/** A procedure code of SV101/SV202: CPT (five digits, or four and F/T) or HCPCS Level II (letter + four). */
export function procedureCodeSystem(qualifier: string | undefined, code: string): string | undefined {
  if (qualifier !== 'HC') return undefined;
  if (/^\d{4}[0-9FTU]$/.test(code)) return SYSTEM.cpt;
  if (/^[A-Z]\d{4}$/.test(code)) return SYSTEM.hcpcs;
  return undefined;
}

/** Procedure modifiers: two digits are CPT modifiers, anything else a HCPCS Level II modifier. */
export const modifierSystem = (code: string): string => (/^\d{2}$/.test(code) ? SYSTEM.cpt : SYSTEM.hcpcs);
