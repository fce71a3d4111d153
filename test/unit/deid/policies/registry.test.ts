import { describe, expect, it } from 'vitest';
import { addressElementPolicies } from '../../../../shared/core/deid/policies/address.js';
import { DROP, keep } from '../../../../shared/core/deid/policies/policy.js';
import {
  decide,
  elementPolicyFor,
  valuePolicyFor,
  wholePolicyFor,
} from '../../../../shared/core/deid/policies/registry.js';
import { withheldValuePolicy, withheldWholePolicy } from '../../../../shared/core/deid/policies/withheld.js';
import { harness, inputFor, PSEUDONYMS } from './support.js';

describe('policy registry', () => {
  it('has whole-value policies for the types dropped or collected before their elements', () => {
    for (const type of ['HumanName', 'ContactPoint', 'Address', 'Identifier', 'Narrative', 'Annotation']) {
      expect(wholePolicyFor(type), type).toBeTypeOf('function');
    }
    for (const type of ['Signature', 'Meta', 'Location.position']) {
      expect(wholePolicyFor(type)).toBe(withheldWholePolicy);
    }
    expect(wholePolicyFor('CodeableConcept')).toBeUndefined();
  });

  it('finds element policies by type and element, never through the prototype', () => {
    expect(elementPolicyFor('Address', 'postalCode')).toBe(addressElementPolicies.postalCode);
    expect(elementPolicyFor('Address', 'constructor')).toBeUndefined();
    expect(elementPolicyFor('Patient', 'gender')).toBeUndefined();
  });

  it('withholds values of a type without a policy', () => {
    expect(valuePolicyFor('base64Binary')).toBe(withheldValuePolicy);
    expect(valuePolicyFor('uri')).toBe(withheldValuePolicy);
    expect(valuePolicyFor('date')).not.toBe(withheldValuePolicy);
  });
});

describe('Function: decide', () => {
  it("asks the element's policy first", () => {
    const h = harness();
    expect(decide(inputFor(h, 'Address', 'postalCode', '02139'), h.services)).toEqual(keep('02100'));
  });

  it('hands a passed value to a pseudonymize rule before its type', () => {
    const h = harness();
    const display = inputFor(h, 'Reference', 'display', 'Dr. Roe', {
      modes: { scrubAll: true, pseudonymize: 2 },
    });
    expect(decide(display, h.services)).toEqual(keep(PSEUDONYMS.token('Dr. Roe')));
  });

  it("falls back to the value's type", () => {
    const h = harness();
    const display = inputFor(h, 'Reference', 'display', 'Dr. Roe', { modes: { scrubAll: true } });
    expect(decide(display, h.services)).toEqual(keep('Dr. Roe', 'scrub'));
    const photo = inputFor(h, 'Patient', 'url', 'https://x.org', { valueType: 'uri' });
    expect(decide(photo, h.services)).toBe(DROP);
    expect(h.counts).toEqual(['backstop-drop:Patient.url']);
  });
});
