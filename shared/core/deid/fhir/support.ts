import { isJson, type Json, type Modes } from '../policies/policy.js';
import type { CompiledRule } from '../selectors.js';

/** Constants and small helpers shared by the parts of the FHIR walker. */

export const DATA_ABSENT_REASON = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';
export const AGE_CATEGORY_EXTENSION = 'urn:phi-pipeline:extension:age-category';
export const SECURITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue';
export const CONTRACT_TAG_SYSTEM = 'urn:phi-pipeline:deid-contract';
export const PROFILE_TAG_SYSTEM = 'urn:phi-pipeline:deid-profile';

export const LABELS = [
  ['PSEUDED', 'pseudonymized'],
  ['REDACTED', 'redacted'],
  ['ABSTRED', 'abstracted'],
] as const;
export const LABEL_BIT: Readonly<Record<string, number>> = { PSEUDED: 1, REDACTED: 2, ABSTRED: 4 };

/** Provider-directory resources: their identifiers (NPIs, facility ids) are not the individual's. */
export const DIRECTORY_TYPES: ReadonlySet<string> = new Set([
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'OrganizationAffiliation',
  'Location',
  'HealthcareService',
  'Endpoint',
]);
/** Resources about a person: their ids are identifiers of that person (an MRN used as id). */
export const PERSON_TYPES: ReadonlySet<string> = new Set(['Patient', 'RelatedPerson', 'Person']);
/**
 * R4 invariants of the form "one of these SHALL exist" that removing elements can break (pat-1,
 * obs-3, cmp-1, …): an object that no longer has any of them is dropped rather than left invalid.
 */
export const REQUIRES_ONE_OF: Readonly<Record<string, readonly string[]>> = {
  'Patient.contact': ['name', 'telecom', 'address', 'organization'],
  'Observation.referenceRange': ['low', 'high', 'text'],
  'Composition.section': ['text', 'entry', 'section'],
  'Condition.stage': ['summary', 'assessment'],
  'Condition.evidence': ['code', 'detail'],
  'Appointment.participant': ['type', 'actor'],
  'Immunization.education': ['documentType', 'reference'],
  'ImmunizationRecommendation.recommendation': ['vaccineCode', 'targetDisease'],
  'MedicationAdministration.dosage': ['dose', 'rateRatio', 'rateQuantity'],
  Expression: ['expression', 'reference'],
  'ValueSet.compose.include': ['valueSet', 'system'],
  'ValueSet.expansion.contains': ['code', 'display'],
  'OperationDefinition.parameter': ['type', 'part'],
  'StructureDefinition.mapping': ['name', 'uri'],
  'ElementDefinition.slicing': ['discriminator', 'description'],
};

export function withRule(modes: Modes, rule: CompiledRule, primitive: boolean): Modes {
  switch (rule.method) {
    case 'scrub':
      return { ...modes, scrubAll: true, text: 'scrub' };
    case 'generalize':
      if (rule.to === 'year') return { ...modes, dates: 'year' };
      if (rule.to === 'zip3') return { ...modes, zip: 'zip3' };
      return { ...modes, age90: true };
    case 'dateShift':
      return { ...modes, dates: 'shift' };
    case 'pseudonymize':
      return { ...modes, pseudonymize: primitive ? 2 : 1, identifiers: 'pseudonymize' };
    default:
      return modes;
  }
}

export function securityLabel(code: string): Json {
  const display = LABELS.find(([c]) => c === code)?.[1] ?? code;
  return { system: SECURITY_SYSTEM, code, display };
}

/** Removes empty objects and arrays (and unpaired nulls) left by post-pass removals. */
export function prune(value: unknown): boolean {
  if (Array.isArray(value)) {
    for (let i = value.length - 1; i >= 0; i--) {
      const item = value[i];
      if (item === null || (typeof item === 'object' && prune(item))) value.splice(i, 1);
    }
    return value.length === 0;
  }
  if (!isJson(value)) return false;
  for (const key of Object.keys(value)) {
    const child = value[key];
    if (Array.isArray(child) && (`_${key}` in value || key.startsWith('_'))) continue;
    if (child === null || (typeof child === 'object' && prune(child))) delete value[key];
  }
  return Object.keys(value).length === 0;
}
