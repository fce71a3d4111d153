import { describe, expect, it } from 'vitest';
import {
  DROP,
  keep,
  type Links,
  withheldUnlessScrubRule,
} from '../../../../shared/core/deid/policies/policy.js';
import { referenceElementPolicies } from '../../../../shared/core/deid/policies/reference.js';
import { harness, inputFor, policyOf } from './support.js';

const reference = policyOf(referenceElementPolicies, 'reference');
const type = policyOf(referenceElementPolicies, 'type');
const display = policyOf(referenceElementPolicies, 'display');

/** Links of a record with one contained resource, `med` (output id c1), and one known Patient. */
function links(log: string[]): Links {
  return {
    container: () => log.push('container'),
    contained: (id) => {
      log.push(`contained:${id}`);
      return id === 'med' ? 'c1' : undefined;
    },
    rewrite: (ref) => (ref === 'Patient/1' ? 'Patient/2b1c' : undefined),
  };
}

describe('Reference reference', () => {
  it('rewrites a reference to its pseudonym', () => {
    const log: string[] = [];
    const h = harness({}, links(log));
    expect(reference(inputFor(h, 'Reference', 'reference', 'Patient/1'), h.services)).toEqual(
      keep('Patient/2b1c'),
    );
    expect(h.counts).toEqual(['pseudonymize:Reference.reference']);
  });

  it('drops a reference that cannot be kept, or that has nothing to resolve against', () => {
    const h = harness({}, links([]));
    expect(reference(inputFor(h, 'Reference', 'reference', 'http://x.org/a'), h.services)).toBe(DROP);
    const bare = harness();
    expect(reference(inputFor(bare, 'Reference', 'reference', 'Patient/1'), bare.services)).toBe(DROP);
    expect([...h.counts, ...bare.counts]).toEqual([
      'reference-drop:Reference.reference',
      'reference-drop:Reference.reference',
    ]);
  });

  it('points a local reference at the contained resource by its new id, marking it referenced', () => {
    const log: string[] = [];
    const h = harness({}, links(log));
    expect(reference(inputFor(h, 'Reference', 'reference', '#med'), h.services)).toEqual(keep('#c1'));
    expect(reference(inputFor(h, 'Reference', 'reference', '#gone'), h.services)).toBe(DROP);
    expect(reference(inputFor(h, 'Reference', 'reference', '#'), h.services)).toEqual(keep('#'));
    expect(log).toEqual(['contained:med', 'contained:gone', 'container']);
    expect(h.counts).toEqual(['reference-drop:Reference.reference']);
  });

  it('refuses a non-string', () => {
    const h = harness({}, links([]));
    expect(reference(inputFor(h, 'Reference', 'reference', { ref: 1 }), h.services)).toBe(DROP);
    expect(h.counts).toEqual(['invalid-drop:Reference.reference']);
  });
});

describe('Reference type and display', () => {
  it('keeps a type that is an R4 resource type', () => {
    const h = harness();
    expect(type(inputFor(h, 'Reference', 'type', 'Patient'), h.services)).toEqual(keep('Patient'));
    expect(type(inputFor(h, 'Reference', 'type', 'Villain'), h.services)).toBe(DROP);
    expect(h.counts).toEqual(['invalid-drop:Reference.type']);
  });

  it('drops the display (a name in words) unless a scrub rule covers it', () => {
    expect(display).toBe(withheldUnlessScrubRule);
  });
});
