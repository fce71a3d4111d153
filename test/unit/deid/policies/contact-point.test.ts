import { describe, expect, it } from 'vitest';
import { contactPointPolicy } from '../../../../shared/core/deid/policies/contact-point.js';
import { DROP } from '../../../../shared/core/deid/policies/policy.js';
import { harness, SAFE_HARBOR } from './support.js';

describe('Function: contactPointPolicy', () => {
  it('drops telecom and remembers its value as an identifier', () => {
    const h = harness();
    const place = { path: 'Patient.telecom', record: h.record };
    const value = { system: 'phone', value: '617-555-0199' };
    expect(contactPointPolicy({ value, place, modes: SAFE_HARBOR }, h.services)).toBe(DROP);
    expect(h.identifiers).toEqual(['617-555-0199']);
    expect(h.counts).toEqual(['backstop-drop:Patient.telecom']);
  });

  it('drops telecom without a value, remembering nothing', () => {
    const h = harness();
    const place = { path: 'Patient.telecom', record: h.record };
    expect(contactPointPolicy({ value: { system: 'email' }, place, modes: SAFE_HARBOR }, h.services)).toBe(
      DROP,
    );
    expect(h.identifiers).toEqual([]);
  });
});
