import { describe, expect, it } from 'vitest';
import { DROP, keep } from '../../../../shared/core/deid/policies/policy.js';
import { QUANTITY_TYPES, quantityElementPolicies } from '../../../../shared/core/deid/policies/quantity.js';
import { elementPolicyFor } from '../../../../shared/core/deid/policies/registry.js';
import { harness, inputFor, policyOf } from './support.js';

describe('Quantity elements', () => {
  it('keep a unit for a check (as a display when it reads like an address) and the system as it is', () => {
    const h = harness();
    const unit = policyOf(quantityElementPolicies, 'unit');
    const system = policyOf(quantityElementPolicies, 'system');
    const siblings = { code: 'mg/dL' };
    expect(unit(inputFor(h, 'Quantity', 'unit', 'mg/dL', { siblings }), h.services)).toEqual(
      keep('mg/dL', 'check'),
    );
    expect(
      unit(inputFor(h, 'Quantity', 'unit', 'milligrams per deciliter', { siblings }), h.services),
    ).toEqual(keep('milligrams per deciliter', 'check'));
    // A unit that reads like an address is a display: it goes when no patient vouches for it.
    expect(unit(inputFor(h, 'Quantity', 'unit', '42 Elm Street'), h.services)).toEqual(
      keep('42 Elm Street', 'display'),
    );
    expect(system(inputFor(h, 'Quantity', 'system', 'http://unitsofmeasure.org'), h.services)).toEqual(
      keep('http://unitsofmeasure.org'),
    );
    expect(system(inputFor(h, 'Quantity', 'system', 1), h.services)).toBe(DROP);
    expect(h.counts).toEqual(['invalid-drop:Quantity.system']);
  });

  it('apply to every quantity type', () => {
    expect(QUANTITY_TYPES).toEqual(['Quantity', 'Age', 'Count', 'Distance', 'Duration']);
    for (const type of QUANTITY_TYPES) {
      expect(elementPolicyFor(type, 'unit')).toBe(quantityElementPolicies.unit);
    }
  });
});
