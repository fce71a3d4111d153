import { describe, expect, it } from 'vitest';
import { ageInYears, agePolicy, UCUM } from '../../../../shared/core/deid/policies/age.js';
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
