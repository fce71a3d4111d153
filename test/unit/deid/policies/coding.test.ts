import { describe, expect, it } from 'vitest';
import {
  codeableConceptElementPolicies,
  codingDisplays,
  codingElementPolicies,
} from '../../../../shared/core/deid/policies/coding.js';
import { DROP, keep, PASS } from '../../../../shared/core/deid/policies/policy.js';
import { harness, inputFor, policyOf } from './support.js';

describe('Coding elements', () => {
  it('keep display, version and system, each for its own later check', () => {
    const h = harness();
    const at = (name: string, value: unknown) =>
      policyOf(codingElementPolicies, name)(inputFor(h, 'Coding', name, value), h.services);
    expect(at('display', 'Hypertension')).toEqual(keep('Hypertension', 'display'));
    expect(at('version', '2024-03')).toEqual(keep('2024-03', 'check'));
    expect(at('system', 'http://snomed.info/sct')).toEqual(keep('http://snomed.info/sct', 'check-context'));
    expect(at('display', 12)).toBe(DROP);
    expect(h.counts).toEqual(['invalid-drop:Coding.display']);
  });
});

describe('CodeableConcept text', () => {
  const text = policyOf(codeableConceptElementPolicies, 'text');
  const siblings = { coding: [{ code: '38341003', display: 'Hypertensive disorder' }] };

  it('is a display when it repeats one of the codings', () => {
    const h = harness();
    const input = inputFor(h, 'CodeableConcept', 'text', 'hypertensive DISORDER ', { siblings });
    expect(text(input, h.services)).toEqual(keep('hypertensive DISORDER ', 'display'));
  });

  it('is left to the string policy otherwise', () => {
    const h = harness();
    expect(text(inputFor(h, 'CodeableConcept', 'text', 'BP high, call John', { siblings }), h.services)).toBe(
      PASS,
    );
    expect(text(inputFor(h, 'CodeableConcept', 'text', 5, { siblings }), h.services)).toBe(PASS);
  });
});

describe('Function: codingDisplays', () => {
  it('gathers normalized displays of codings and of extensions holding a coding', () => {
    const displays = codingDisplays([
      { display: ' White ' },
      { url: 'ombCategory', valueCoding: { display: 'Asian' } },
      { code: 'x' },
      'junk',
    ]);
    expect([...displays]).toEqual(['white', 'asian']);
    expect(codingDisplays(undefined).size).toBe(0);
  });
});
