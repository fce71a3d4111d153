import { describe, expect, it } from 'vitest';
import { DROP, keep } from '../../../../shared/core/deid/policies/policy.js';
import { booleanPolicy, codePolicy, numberPolicy } from '../../../../shared/core/deid/policies/scalar.js';
import { harness, inputFor } from './support.js';

describe('scalar policies', () => {
  it('keep booleans and codes of the right JSON type', () => {
    const h = harness();
    expect(booleanPolicy(inputFor(h, 'Patient', 'active', false), h.services)).toEqual(keep(false));
    expect(booleanPolicy(inputFor(h, 'Patient', 'active', 'false'), h.services)).toBe(DROP);
    expect(codePolicy(inputFor(h, 'Patient', 'gender', 'male'), h.services)).toEqual(keep('male'));
    expect(codePolicy(inputFor(h, 'Patient', 'gender', 1), h.services)).toBe(DROP);
    expect(h.counts).toEqual(['invalid-drop:Patient.active', 'invalid-drop:Patient.gender']);
  });

  it('keep numbers, checking large integers against the numeric identifiers later', () => {
    const h = harness();
    const at = (value: unknown) => numberPolicy(inputFor(h, 'Quantity', 'value', value), h.services);
    expect(at(9_999)).toEqual(keep(9_999));
    expect(at(10_000)).toEqual(keep(10_000, 'number'));
    expect(at(12_345)).toEqual(keep(12_345, 'number'));
    expect(at(-12_345)).toEqual(keep(-12_345, 'number'));
    expect(at(12_345.5)).toEqual(keep(12_345.5));
    expect(at('12345')).toBe(DROP);
    expect(h.counts).toEqual(['invalid-drop:Quantity.value']);
  });
});
