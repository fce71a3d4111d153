import type { ReferenceMap } from './references.js';
import type { CompiledRule } from './selectors.js';

/** Types, constants and small helpers shared by the walker's parts. */
export type Json = Record<string, unknown>;

export const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const DATA_ABSENT_REASON = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';
export const AGE_CATEGORY_EXTENSION = 'urn:phi-pipeline:extension:age-category';
export const SECURITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue';
export const CONTRACT_TAG_SYSTEM = 'urn:phi-pipeline:deid-contract';
export const PROFILE_TAG_SYSTEM = 'urn:phi-pipeline:deid-profile';
export const UCUM = 'http://unitsofmeasure.org';

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
/** String elements that hold narrative text; scrubbed instead of dropped when the contract says so. */
export const FREE_TEXT: ReadonlySet<string> = new Set([
  'text',
  'description',
  'comment',
  'title',
  'summary',
  'conclusion',
  'note',
  'patientInstruction',
  'purpose',
  'value',
  'detail',
  'details',
  'instruction',
]);
export const QUANTITY_TYPES: ReadonlySet<string> = new Set([
  'Quantity',
  'Age',
  'Count',
  'Distance',
  'Duration',
]);
/** LOINC codes whose Observation value is the patient's age. */
export const AGE_LOINC: ReadonlySet<string> = new Set(['30525-0', '21612-7', '29553-5', '63900-5']);
export const YEARS_PER_UNIT: Readonly<Record<string, number>> = {
  a: 1,
  mo: 1 / 12,
  wk: 7 / 365.25,
  d: 1 / 365.25,
  h: 1 / 8766,
  min: 1 / 525_960,
};
export const OID_LIKE = /^[0-2](?:\.(?:0|[1-9]\d*))+$/;

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

export interface Modes {
  readonly text: 'drop' | 'scrub';
  /** A `scrub` rule covers this subtree: every string is scrubbed, not only narrative ones. */
  readonly scrubAll: boolean;
  readonly dates: 'year' | 'shift' | 'keep';
  readonly zip: 'zip3' | 'keep' | 'drop';
  readonly age90: boolean;
  /** 0 none; 1 strings and ids of this subtree (rule on a complex element); 2 this primitive. */
  readonly pseudonymize: 0 | 1 | 2;
  readonly identifiers: 'drop' | 'pseudonymize';
}

/** One record: a top-level resource with its contained resources. */
export interface Scope {
  readonly input: Json;
  readonly identity: string | undefined;
  /** Server base of the entry's fullUrl, for its relative references. */
  readonly base: string | undefined;
  shift: number | undefined;
  contained: Map<string, string> | undefined;
  usedLocal: Set<string> | undefined;
  dirty: boolean;
  output: Json | undefined;
}

/** One resource, top-level or contained. */
export interface Frame {
  readonly sc: Scope;
  readonly type: string;
  labels: number;
  age90: boolean;
  readonly ageObservation: boolean;
  readonly localId: string | undefined;
  /** The output `meta` of a top-level resource, rewritten when a label is earned late. */
  meta: Json | undefined;
  inputSecurity: Json[] | undefined;
}

/**
 * What the post-pass does with a kept value: `display` (a code display or text: checked against the
 * record's identifiers and PHI patterns, and dropped when the record names no person to check against),
 * `check` (the same, without failing closed: units, versions), `check-context` (identifiers only:
 * systems, states), `number`, and the three kinds of scrubbing.
 */
export type DeferKind =
  | 'display'
  | 'check'
  | 'check-context'
  | 'number'
  | 'scrub'
  | 'scrub-div'
  | 'scrub-attachment';

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

export const normalize = (s: string): string => s.trim().toLowerCase();

export function codingDisplays(value: unknown): ReadonlySet<string> {
  const displays = new Set<string>();
  if (!Array.isArray(value)) return displays;
  for (const item of value) {
    const coding = isJson(item) && isJson(item.valueCoding) ? item.valueCoding : item;
    if (isJson(coding) && typeof coding.display === 'string') displays.add(normalize(coding.display));
  }
  return displays;
}

export function hasAgeCode(code: unknown): boolean {
  if (!isJson(code) || !Array.isArray(code.coding)) return false;
  return code.coding.some(
    (c) =>
      isJson(c) && c.system === 'http://loinc.org' && typeof c.code === 'string' && AGE_LOINC.has(c.code),
  );
}

export function ageInYears(q: Json): number | undefined {
  if (typeof q.value !== 'number') return undefined;
  const code = typeof q.code === 'string' ? q.code : typeof q.unit === 'string' ? q.unit : 'a';
  const factor = YEARS_PER_UNIT[code] ?? (/^(y|yr|yrs|year|years)$/i.test(code) ? 1 : 1);
  return q.value * factor;
}

export function securityLabel(code: string): Json {
  const display = LABELS.find(([c]) => c === code)?.[1] ?? code;
  return { system: SECURITY_SYSTEM, code, display };
}

export function findPatientReference(value: unknown, refs: ReferenceMap, depth: number): string | undefined {
  if (depth > 8 || typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findPatientReference(item, refs, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const o = value as Json;
  if (typeof o.reference === 'string') {
    const target = refs.resolve(o.reference);
    if (target !== undefined && (target.type === 'Patient' || target.identity.startsWith('Patient/'))) {
      return target.identity;
    }
  }
  for (const key in o) {
    if (key === 'contained') continue;
    const found = findPatientReference(o[key], refs, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
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
