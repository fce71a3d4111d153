import { describe, expect, it } from 'vitest';
import { collectHumanName, humanNamePolicy } from '../../../../shared/core/deid/policies/human-name.js';
import { DROP } from '../../../../shared/core/deid/policies/policy.js';
import { harness, SAFE_HARBOR } from './support.js';

describe('Function: humanNamePolicy', () => {
  it('drops a name whatever the contract, counted as the backstop, after remembering its parts', () => {
    const h = harness();
    const name = { family: 'Doe', given: ['Jonathan', 'Q'], text: 'Jonathan Q. Doe', use: 'official' };
    const place = { path: 'Patient.name', record: h.record };
    expect(humanNamePolicy({ value: name, place, modes: SAFE_HARBOR }, h.services)).toBe(DROP);
    expect(h.counts).toEqual(['backstop-drop:Patient.name']);
    expect(h.names).toEqual(['Doe', 'Jonathan Q. Doe', 'Jonathan', 'Q']);
  });

  it('drops a name even when free text is scrubbed', () => {
    const h = harness();
    const place = { path: 'Patient.name', record: h.record };
    const modes = { ...SAFE_HARBOR, text: 'scrub' as const, scrubAll: true };
    expect(humanNamePolicy({ value: { family: 'Doe' }, place, modes }, h.services)).toBe(DROP);
  });
});

describe('Function: collectHumanName', () => {
  it('skips parts that are not strings', () => {
    const h = harness();
    collectHumanName({ family: 7, given: ['Ann', null, 3], text: {} }, h.services.identifiers);
    expect(h.names).toEqual(['Ann']);
  });
});
