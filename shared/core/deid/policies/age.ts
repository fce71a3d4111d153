import { type AfterPolicy, isJson, type Json } from './policy.js';

/**
 * Age: an age over 89 identifies (164.514(b)(2)(i)(C)), so it becomes the category "90 or more"
 * in UCUM years; any extensions stay. The FHIR walker also applies this to the value of an
 * Observation of the patient's age.
 */
export const agePolicy: AfterPolicy = ({ value, output, place, modes }, services) => {
  if (!modes.age90) return;
  const years = ageInYears(value);
  if (years === undefined || years <= 89) return;
  for (const key of Object.keys(output)) if (key !== 'extension') delete output[key];
  Object.assign(output, { value: 90, comparator: '>=', unit: 'years', system: UCUM, code: 'a' });
  services.count('generalize-age90', place);
};

export const UCUM = 'http://unitsofmeasure.org';

const YEARS_PER_UNIT: Readonly<Record<string, number>> = {
  a: 1,
  mo: 1 / 12,
  wk: 7 / 365.25,
  d: 1 / 365.25,
  h: 1 / 8766,
  min: 1 / 525_960,
};

/** The quantity in years, by its UCUM code (or unit); unknown codes, and no code, count as years. */
export function ageInYears(quantity: Json): number | undefined {
  if (typeof quantity.value !== 'number') return undefined;
  const code =
    typeof quantity.code === 'string'
      ? quantity.code
      : typeof quantity.unit === 'string'
        ? quantity.unit
        : 'a';
  return quantity.value * (YEARS_PER_UNIT[code] ?? 1);
}

/** LOINC codes whose value is the patient's age (age, age at diagnosis, at death, reported age). */
export const AGE_LOINC: ReadonlySet<string> = new Set(['30525-0', '21612-7', '29553-5', '63900-5']);

/** A CodeableConcept with a LOINC age code. */
export function hasAgeCode(code: unknown): boolean {
  if (!isJson(code) || !Array.isArray(code.coding)) return false;
  return code.coding.some(
    (c) =>
      isJson(c) && c.system === 'http://loinc.org' && typeof c.code === 'string' && AGE_LOINC.has(c.code),
  );
}

const AGE_90: Json = { value: 90, comparator: '>=', unit: 'years', system: UCUM, code: 'a' };
/** A Range bound is a SimpleQuantity: no comparator, so "90 or more" is a low bound of 90 and no high one. */
const AGE_90_BOUND: Json = { value: 90, unit: 'years', system: UCUM, code: 'a' };

/**
 * Elements R4 documents as ages written as a Range (onset, abatement, performed "age range",
 * a relative's age, the ages a reference range applies to), by the walker's path.
 */
export const AGE_RANGE_PATHS: ReadonlySet<string> = new Set([
  'AllergyIntolerance.onsetRange',
  'Condition.onsetRange',
  'Condition.abatementRange',
  'FamilyMemberHistory.ageRange',
  'FamilyMemberHistory.deceasedRange',
  'FamilyMemberHistory.condition.onsetRange',
  'Procedure.performedRange',
  'Observation.referenceRange.age',
  'Observation.component.referenceRange.age',
]);

/** UCUM time codes, and the unit words people write for them. */
const TIME_UNIT = /^(?:a|mo|wk|d|h|min|years?|yrs?|y|months?|weeks?|days?|hours?)$/i;

function hasTimeUnit(bound: unknown): boolean {
  if (!isJson(bound)) return false;
  return [bound.code, bound.unit].some((u) => typeof u === 'string' && TIME_UNIT.test(u.trim()));
}

/**
 * A Range of ages: a low bound over 89 makes the range "90 or more" (low 90 years, no high bound); a high
 * bound over 89 goes, so the range stays open above. Extensions stay. True when something changed.
 */
function aggregateRange(value: Json, output: Json): boolean {
  if (isJson(output.low) && isAge90(output.low) && output.high === undefined) return false;
  const low = isJson(value.low) ? ageInYears(value.low) : undefined;
  const high = isJson(value.high) ? ageInYears(value.high) : undefined;
  if (low !== undefined && low > 89) {
    output.low = { ...extensionsOf(output.low), ...AGE_90_BOUND };
    delete output.high;
    return true;
  }
  if (high === undefined || high <= 89) return false;
  delete output.high;
  if (output.low === undefined) {
    // Only "up to" an age over 89: nothing is left to say.
    output.extension = [...(Array.isArray(output.extension) ? output.extension : []), MASKED];
  }
  return true;
}

const MASKED: Json = {
  url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason',
  valueCode: 'masked',
};

/** Already "90 or more" years: aggregating again changes nothing and counts nothing. */
const isAge90 = (q: Json): boolean =>
  q.value === 90 &&
  q.code === 'a' &&
  q.system === UCUM &&
  (q.comparator === '>=' || q.comparator === undefined);

const extensionsOf = (quantity: unknown): Json =>
  isJson(quantity) && Array.isArray(quantity.extension) ? { extension: quantity.extension } : {};

/** Range where R4 says it is an age, or whose bounds are in units of time: ages over 89 are aggregated. */
export const rangeAgePolicy: AfterPolicy = ({ value, output, place, modes }, services) => {
  if (!modes.age90) return;
  if (!AGE_RANGE_PATHS.has(place.path) && !hasTimeUnit(value.low) && !hasTimeUnit(value.high)) return;
  if (aggregateRange(value, output)) services.count('generalize-age90', place);
};

/**
 * An age written as a plain number (Observation.valueInteger, a questionnaire answer): over 89 it
 * becomes the Quantity "90 or more" years in the same choice element. Other value[x] forms of an age
 * (Quantity, Range) are aggregated the same way. True when something changed.
 */
function aggregateValue(output: Json, numbers: readonly string[]): boolean {
  let changed = false;
  for (const key of numbers) {
    const n = output[key];
    if (typeof n === 'number' && n > 89) {
      delete output[key];
      output.valueQuantity = { ...AGE_90 };
      changed = true;
    }
  }
  const quantity = output.valueQuantity;
  if (isJson(quantity) && !isAge90(quantity)) {
    const years = ageInYears(quantity);
    if (years !== undefined && years > 89) {
      output.valueQuantity = { ...extensionsOf(quantity), ...AGE_90 };
      changed = true;
    }
  }
  const range = output.valueRange;
  if (isJson(range) && aggregateRange(range, range)) changed = true;
  return changed;
}

/**
 * Observation and Observation.component with a LOINC age code: the age in any value[x] (Quantity,
 * integer, Range) is aggregated. (The walker also hands an age Observation's valueQuantity to the Age
 * policy; aggregating twice changes nothing.)
 */
export const ageObservationPolicy: AfterPolicy = ({ value, output, place, modes }, services) => {
  if (!modes.age90 || !hasAgeCode(value.code)) return;
  if (aggregateValue(output, ['valueInteger'])) services.count('generalize-age90', place);
};

/** Words in a question's link id, text or definition that make its answer the respondent's age. */
const AGE_QUESTION = /(?:^|[^a-z])age(?:[^a-z]|$)|years?[\s_-]*old|how[\s_-]+old/i;

function isAgeQuestion(item: Json): boolean {
  return [item.linkId, item.text, item.definition].some(
    (s) => typeof s === 'string' && (AGE_QUESTION.test(s) || [...AGE_LOINC].some((code) => s.includes(code))),
  );
}

/**
 * QuestionnaireResponse.item whose question asks for an age: integer, decimal and Quantity answers
 * over 89 become the Quantity "90 or more" years (the answer's own type cannot say "or more").
 */
export const ageAnswerPolicy: AfterPolicy = ({ value, output, place, modes }, services) => {
  if (!modes.age90 || !isAgeQuestion(value) || !Array.isArray(output.answer)) return;
  let changed = false;
  for (const answer of output.answer) {
    if (isJson(answer) && aggregateValue(answer, ['valueInteger', 'valueDecimal'])) changed = true;
  }
  if (changed) services.count('generalize-age90', place);
};
