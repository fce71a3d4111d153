import { describe, expect, it } from 'vitest';
import { DROP } from '../../../../shared/core/deid/policies/policy.js';
import { withheldValuePolicy, withheldWholePolicy } from '../../../../shared/core/deid/policies/withheld.js';
import { harness, inputFor, SAFE_HARBOR } from './support.js';

describe('withheld policies', () => {
  it('drop a signature (or meta, or position) whole, remembering the identifiers inside', () => {
    const h = harness();
    const value = { who: { display: 'Dr. Jane Roe' }, data: 'c2ln' };
    const place = { path: 'Provenance.signature', record: h.record };
    expect(withheldWholePolicy({ value, place, modes: { ...SAFE_HARBOR, scrubAll: true } }, h.services)).toBe(
      DROP,
    );
    expect(h.collected).toEqual([value]);
    expect(h.counts).toEqual(['backstop-drop:Provenance.signature']);
  });

  it('drop a URL or binary value', () => {
    const h = harness();
    const url = inputFor(h, 'Patient', 'photoUrl', 'https://x.org/doe.png', { valueType: 'url' });
    expect(withheldValuePolicy(url, h.services)).toBe(DROP);
    expect(h.counts).toEqual(['backstop-drop:Patient.photoUrl']);
  });
});
