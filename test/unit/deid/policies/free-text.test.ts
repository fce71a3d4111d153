import { describe, expect, it } from 'vitest';
import { freeTextPolicy } from '../../../../shared/core/deid/policies/free-text.js';
import { DROP, keep } from '../../../../shared/core/deid/policies/policy.js';
import { harness, inputFor } from './support.js';

describe('Function: freeTextPolicy', () => {
  it('drops strings when free text is dropped', () => {
    const h = harness();
    expect(freeTextPolicy(inputFor(h, 'Observation', 'comment', 'Seen by Dr. Smith'), h.services)).toBe(DROP);
    expect(h.counts).toEqual(['backstop-drop:Observation.comment']);
  });

  it('scrubs narrative elements and markdown when free text is scrubbed', () => {
    const h = harness();
    const scrub = { modes: { text: 'scrub' as const } };
    expect(freeTextPolicy(inputFor(h, 'Observation', 'comment', 'note', scrub), h.services)).toEqual(
      keep('note', 'scrub'),
    );
    const markdown = inputFor(h, 'Procedure', 'usage', '*note*', { ...scrub, valueType: 'markdown' });
    expect(freeTextPolicy(markdown, h.services)).toEqual(keep('*note*', 'scrub'));
  });

  it('judges a choice element by its name without the type suffix', () => {
    const h = harness();
    const input = inputFor(h, 'Observation', 'valueString', 'note', {
      elementName: 'value',
      modes: { text: 'scrub' },
    });
    expect(freeTextPolicy(input, h.services)).toEqual(keep('note', 'scrub'));
  });

  it('still drops a string that is not narrative, unless a scrub rule covers it', () => {
    const h = harness();
    const alias = inputFor(h, 'Organization', 'alias', 'Doe Clinic', { modes: { text: 'scrub' } });
    expect(freeTextPolicy(alias, h.services)).toBe(DROP);
    const underRule = inputFor(h, 'Organization', 'alias', 'Doe Clinic', { modes: { scrubAll: true } });
    expect(freeTextPolicy(underRule, h.services)).toEqual(keep('Doe Clinic', 'scrub'));
    expect(h.counts).toEqual(['backstop-drop:Organization.alias']);
  });

  it('refuses a non-string', () => {
    const h = harness();
    expect(freeTextPolicy(inputFor(h, 'Observation', 'comment', ['a']), h.services)).toBe(DROP);
    expect(h.counts).toEqual(['invalid-drop:Observation.comment']);
  });
});
