import { describe, expect, it } from 'vitest';
import {
  narrativeElementPolicies,
  narrativePolicy,
} from '../../../../shared/core/deid/policies/narrative.js';
import { DROP, keep } from '../../../../shared/core/deid/policies/policy.js';
import { harness, inputFor, policyOf, SAFE_HARBOR } from './support.js';

const DIV = '<div xmlns="http://www.w3.org/1999/xhtml">John Doe, 42 Elm Street</div>';

describe('Function: narrativePolicy', () => {
  it('drops a narrative whole when free text is dropped, remembering what it holds', () => {
    const h = harness();
    const value = { status: 'generated', div: DIV };
    const place = { path: 'Patient.text', record: h.record };
    expect(narrativePolicy({ value, place, modes: SAFE_HARBOR }, h.services)).toBe(DROP);
    expect(h.collected).toEqual([value]);
    expect(h.counts).toEqual(['backstop-drop:Patient.text']);
  });

  it('walks a narrative when free text is scrubbed, by the contract or by a rule', () => {
    const h = harness();
    const place = { path: 'Patient.text', record: h.record };
    const value = { div: DIV };
    expect(narrativePolicy({ value, place, modes: { ...SAFE_HARBOR, text: 'scrub' } }, h.services)).toBe(
      'walk',
    );
    expect(narrativePolicy({ value, place, modes: { ...SAFE_HARBOR, scrubAll: true } }, h.services)).toBe(
      'walk',
    );
    expect(h.counts).toEqual([]);
  });
});

describe('Narrative div', () => {
  it('is scrubbed as text once the record is known; a non-string is invalid', () => {
    const h = harness();
    const div = policyOf(narrativeElementPolicies, 'div');
    expect(div(inputFor(h, 'Narrative', 'div', DIV), h.services)).toEqual(keep(DIV, 'scrub-div'));
    expect(div(inputFor(h, 'Narrative', 'div', { p: 'x' }), h.services)).toBe(DROP);
    expect(h.counts).toEqual(['invalid-drop:Narrative.div']);
  });
});
