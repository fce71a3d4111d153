import { describe, expect, it } from 'vitest';
import {
  AGE_RANGE_PATHS,
  ageAnswerPolicy,
  ageInYears,
  ageObservationPolicy,
  agePolicy,
  hasAgeCode,
  rangeAgePolicy,
  UCUM,
} from '../../../../shared/core/deid/policies/age.js';
import type { AfterPolicy, Modes } from '../../../../shared/core/deid/policies/policy.js';
import { afterPolicyFor } from '../../../../shared/core/deid/policies/registry.js';
import { harness, SAFE_HARBOR } from './support.js';

describe('Function: agePolicy', () => {
  const run = (value: Record<string, unknown>, modes = SAFE_HARBOR) => {
    const h = harness();
    const output: Record<string, unknown> = { ...value, extension: [{ url: 'x', valueCode: 'y' }] };
    agePolicy(
      { value, output, place: { path: 'Patient.extension.valueAge', record: h.record }, modes },
      h.services,
    );
    return { output, counts: h.counts };
  };

  it('turns an age over 89 into "90 or more" years, keeping extensions', () => {
    const { output, counts } = run({ value: 1104, unit: 'months', system: UCUM, code: 'mo' });
    expect(output).toEqual({
      extension: [{ url: 'x', valueCode: 'y' }],
      value: 90,
      comparator: '>=',
      unit: 'years',
      system: UCUM,
      code: 'a',
    });
    expect(counts).toEqual(['generalize-age90:Patient.extension.valueAge']);
  });

  it('leaves an age of 89, and any age when the contract keeps ages', () => {
    expect(run({ value: 89, code: 'a' }).counts).toEqual([]);
    const kept = run({ value: 95, code: 'a' }, { ...SAFE_HARBOR, age90: false });
    expect(kept.output.value).toBe(95);
    expect(kept.counts).toEqual([]);
  });

  it('is the Age fix-up in the registry', () => {
    expect(afterPolicyFor('Age')).toBe(agePolicy);
    expect(afterPolicyFor('Quantity')).toBeUndefined();
  });
});

describe('Function: ageInYears', () => {
  it('converts by UCUM code, else by unit, counting unknown units as years', () => {
    expect(ageInYears({ value: 24, code: 'mo' })).toBe(2);
    expect(ageInYears({ value: 14, unit: 'wk' })).toBeCloseTo(14 * (7 / 365.25));
    expect(ageInYears({ value: 91, unit: 'yrs' })).toBe(91);
    expect(ageInYears({ value: 91 })).toBe(91);
    expect(ageInYears({ value: '91' })).toBeUndefined();
  });
});

type Obj = Record<string, unknown>;
const AGE90 = { value: 90, comparator: '>=', unit: 'years', system: UCUM, code: 'a' };
const BOUND90 = { value: 90, unit: 'years', system: UCUM, code: 'a' };
const years = (value: number): Obj => ({ value, unit: 'years', system: UCUM, code: 'a' });
const AGE_CODE = { coding: [{ system: 'http://loinc.org', code: '30525-0' }] };

/** Runs an after policy on a copy of `value` at `path`; returns the output and the counts. */
function runAfter(policy: AfterPolicy, value: Obj, path: string, modes: Modes = SAFE_HARBOR) {
  const h = harness();
  const output = structuredClone(value);
  policy({ value, output, place: { path, record: h.record }, modes }, h.services);
  return { output, counts: h.counts };
}

describe('Function: rangeAgePolicy', () => {
  it('makes a range starting over 89 "90 or more": low 90 years, no high bound', () => {
    const { output, counts } = runAfter(
      rangeAgePolicy,
      { low: years(93), high: years(97) },
      'FamilyMemberHistory.ageRange',
    );
    expect(output).toEqual({ low: BOUND90 });
    expect(counts).toEqual(['generalize-age90:FamilyMemberHistory.ageRange']);
  });

  it('drops a high bound over 89 and keeps the low one', () => {
    const { output } = runAfter(rangeAgePolicy, { low: years(85), high: years(95) }, 'Condition.onsetRange');
    expect(output).toEqual({ low: years(85) });
  });

  it('masks a range that only says "up to" an age over 89', () => {
    const { output } = runAfter(rangeAgePolicy, { high: years(95) }, 'Condition.onsetRange');
    expect(output).toEqual({
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'masked' }],
    });
  });

  it('reads unitless bounds as years where R4 says the range is an age, and months by their code', () => {
    expect(runAfter(rangeAgePolicy, { low: { value: 92 } }, 'Condition.abatementRange').output).toEqual({
      low: BOUND90,
    });
    expect(AGE_RANGE_PATHS.has('Procedure.performedRange')).toBe(true);
    const months = { low: { value: 1104, unit: 'months', system: UCUM, code: 'mo' } };
    expect(runAfter(rangeAgePolicy, months, 'Observation.valueRange').output).toEqual({ low: BOUND90 });
  });

  it('leaves ranges that are not ages, ages up to 89, and everything when ages are kept', () => {
    const mg = { low: { value: 95, unit: 'mg', code: 'mg' }, high: { value: 120, unit: 'mg', code: 'mg' } };
    expect(runAfter(rangeAgePolicy, mg, 'Observation.valueRange')).toEqual({ output: mg, counts: [] });
    const unitless = { low: { value: 95 }, high: { value: 120 } };
    expect(runAfter(rangeAgePolicy, unitless, 'Observation.valueRange').counts).toEqual([]);
    const young = { low: years(70), high: years(89) };
    expect(runAfter(rangeAgePolicy, young, 'Condition.onsetRange').output).toEqual(young);
    const old = { low: years(93) };
    expect(
      runAfter(rangeAgePolicy, old, 'Condition.onsetRange', { ...SAFE_HARBOR, age90: false }).output,
    ).toEqual(old);
  });

  it('counts nothing the second time', () => {
    expect(runAfter(rangeAgePolicy, { low: BOUND90 }, 'Condition.onsetRange').counts).toEqual([]);
  });
});

describe('Function: ageObservationPolicy', () => {
  it('aggregates an integer, Quantity or Range value of an age-coded Observation or component', () => {
    const integer = runAfter(ageObservationPolicy, { code: AGE_CODE, valueInteger: 94 }, 'Observation');
    expect(integer.output).toEqual({ code: AGE_CODE, valueQuantity: AGE90 });
    expect(integer.counts).toEqual(['generalize-age90:Observation']);
    const range = { code: AGE_CODE, valueRange: { low: { value: 93 }, high: { value: 95 } } };
    expect(runAfter(ageObservationPolicy, range, 'Observation.component').output).toEqual({
      code: AGE_CODE,
      valueRange: { low: BOUND90 },
    });
    const quantity = { code: AGE_CODE, valueQuantity: { value: 1200, code: 'mo' } };
    expect(runAfter(ageObservationPolicy, quantity, 'Observation.component').output.valueQuantity).toEqual(
      AGE90,
    );
  });

  it('leaves Observations without an age code, and ages up to 89', () => {
    const heartRate = {
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      valueInteger: 94,
    };
    expect(runAfter(ageObservationPolicy, heartRate, 'Observation')).toEqual({
      output: heartRate,
      counts: [],
    });
    const young = { code: AGE_CODE, valueInteger: 89 };
    expect(runAfter(ageObservationPolicy, young, 'Observation').output).toEqual(young);
    expect(
      runAfter(ageObservationPolicy, { code: AGE_CODE, valueQuantity: AGE90 }, 'Observation').counts,
    ).toEqual([]);
  });

  it('recognises the LOINC age codes only', () => {
    for (const code of ['30525-0', '21612-7', '29553-5', '63900-5']) {
      expect(hasAgeCode({ coding: [{ system: 'http://loinc.org', code }] })).toBe(true);
    }
    expect(hasAgeCode({ coding: [{ system: 'http://snomed.info/sct', code: '30525-0' }] })).toBe(false);
    expect(hasAgeCode('30525-0')).toBe(false);
  });
});

describe('Function: ageAnswerPolicy', () => {
  const item = (question: Obj, answer: Obj[]): Obj => ({ ...question, answer });

  it('turns integer, decimal and Quantity answers over 89 to an age question into "90 or more" years', () => {
    for (const question of [
      { linkId: 'age' },
      { linkId: 'q3', text: 'What is your age?' },
      { linkId: 'q4', text: 'How old are you (years)?' },
      { linkId: 'q5', definition: 'http://loinc.org/21612-7' },
      { linkId: 'patient_age_years' },
    ]) {
      const { output, counts } = runAfter(
        ageAnswerPolicy,
        item(question, [{ valueInteger: 93 }, { valueDecimal: 91.5 }, { valueQuantity: years(96) }]),
        'QuestionnaireResponse.item',
      );
      expect(output.answer, JSON.stringify(question)).toEqual([
        { valueQuantity: AGE90 },
        { valueQuantity: AGE90 },
        { valueQuantity: AGE90 },
      ]);
      expect(counts).toEqual(['generalize-age90:QuestionnaireResponse.item']);
    }
  });

  it('leaves answers to other questions, ages up to 89, and everything when ages are kept', () => {
    const pain = item({ linkId: 'pain', text: 'Pain score' }, [{ valueInteger: 93 }]);
    expect(runAfter(ageAnswerPolicy, pain, 'QuestionnaireResponse.item')).toEqual({
      output: pain,
      counts: [],
    });
    const page = item({ linkId: 'page-count', text: 'Pages read' }, [{ valueInteger: 120 }]);
    expect(runAfter(ageAnswerPolicy, page, 'QuestionnaireResponse.item').counts).toEqual([]);
    const young = item({ linkId: 'age' }, [{ valueInteger: 89 }]);
    expect(runAfter(ageAnswerPolicy, young, 'QuestionnaireResponse.item').output).toEqual(young);
    const kept = item({ linkId: 'age' }, [{ valueInteger: 93 }]);
    expect(
      runAfter(ageAnswerPolicy, kept, 'QuestionnaireResponse.item', { ...SAFE_HARBOR, age90: false }).output,
    ).toEqual(kept);
  });

  it('are the Range, Observation and questionnaire fix-ups in the registry', () => {
    expect(afterPolicyFor('Range')).toBe(rangeAgePolicy);
    expect(afterPolicyFor('Observation')).toBe(ageObservationPolicy);
    expect(afterPolicyFor('Observation.component')).toBe(ageObservationPolicy);
    expect(afterPolicyFor('QuestionnaireResponse.item')).toBe(ageAnswerPolicy);
  });
});
