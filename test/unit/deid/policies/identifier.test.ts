import { describe, expect, it } from 'vitest';
import {
  identifierElementPolicies,
  identifierPolicy,
} from '../../../../shared/core/deid/policies/identifier.js';
import { DROP, keep } from '../../../../shared/core/deid/policies/policy.js';
import { harness, inputFor, PSEUDONYMS, policyOf, SAFE_HARBOR } from './support.js';

const value = policyOf(identifierElementPolicies, 'value');
const system = policyOf(identifierElementPolicies, 'system');
const MRN = { system: 'http://hospital.example.org/mrn', value: '12345' };

describe('Function: identifierPolicy', () => {
  it('remembers the value and lets the elements be walked', () => {
    const h = harness();
    const place = { path: 'Patient.identifier', record: h.record };
    expect(identifierPolicy({ value: MRN, place, modes: SAFE_HARBOR }, h.services)).toBe('walk');
    expect(h.identifiers).toEqual(['12345']);
  });
});

describe('Identifier value and system', () => {
  it('are dropped unless identifiers are pseudonymized', () => {
    const h = harness();
    expect(value(inputFor(h, 'Identifier', 'value', '12345', { siblings: MRN }), h.services)).toBe(DROP);
    expect(system(inputFor(h, 'Identifier', 'system', MRN.system, { siblings: MRN }), h.services)).toBe(DROP);
    expect(h.counts).toEqual(['backstop-drop:Identifier.value', 'backstop-drop:Identifier.system']);
  });

  it('become a keyed value under the pseudonym system', () => {
    const h = harness();
    const modes = { identifiers: 'pseudonymize' as const };
    expect(value(inputFor(h, 'Identifier', 'value', '12345', { siblings: MRN, modes }), h.services)).toEqual(
      keep(PSEUDONYMS.identifierValue(MRN.system, '12345')),
    );
    expect(
      system(inputFor(h, 'Identifier', 'system', MRN.system, { siblings: MRN, modes }), h.services),
    ).toEqual(keep('urn:phi-pipeline:pseudonym:policy-key'));
    expect(h.counts).toEqual(['pseudonymize:Identifier.value', 'pseudonymize:Identifier.system']);
  });

  it('keys a value without a system by the value alone', () => {
    const h = harness();
    const modes = { identifiers: 'pseudonymize' as const };
    const input = inputFor(h, 'Identifier', 'value', '12345', { siblings: { value: '12345' }, modes });
    expect(value(input, h.services)).toEqual(keep(PSEUDONYMS.identifierValue('', '12345')));
  });

  it('drop a system whose identifier has no value, and refuse non-strings', () => {
    const h = harness();
    const modes = { identifiers: 'pseudonymize' as const };
    const lone = { system: MRN.system };
    expect(
      system(inputFor(h, 'Identifier', 'system', MRN.system, { siblings: lone, modes }), h.services),
    ).toBe(DROP);
    expect(value(inputFor(h, 'Identifier', 'value', 12345, { siblings: MRN, modes }), h.services)).toBe(DROP);
    expect(h.counts).toEqual(['backstop-drop:Identifier.system', 'invalid-drop:Identifier.value']);
  });
});
