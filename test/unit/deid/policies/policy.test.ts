import { describe, expect, it } from 'vitest';
import {
  DROP,
  dropAs,
  keep,
  keptString,
  PASS,
  plainString,
  withheldUnlessScrubRule,
} from '../../../../shared/core/deid/policies/policy.js';
import { harness, inputFor } from './support.js';

describe('policy helpers', () => {
  it('dropAs counts the rule at the place and earns nothing else', () => {
    const h = harness();
    expect(dropAs('drop', { path: 'Patient.photo', record: h.record }, h.services)).toBe(DROP);
    expect(h.counts).toEqual(['drop:Patient.photo']);
  });

  it('keptString keeps a string for its check, and refuses anything else', () => {
    const h = harness();
    expect(keptString(inputFor(h, 'Coding', 'display', 'x'), h.services, 'display')).toEqual(
      keep('x', 'display'),
    );
    expect(keptString(inputFor(h, 'Coding', 'display', 1), h.services, 'display')).toBe(DROP);
    expect(h.counts).toEqual(['invalid-drop:Coding.display']);
  });

  it('plainString keeps a string with no check', () => {
    const h = harness();
    expect(plainString(inputFor(h, 'Extension', 'url', 'urn:x'), h.services)).toEqual({
      value: 'urn:x',
      defer: undefined,
    });
    expect(plainString(inputFor(h, 'Extension', 'url', null), h.services)).toBe(DROP);
  });

  it('withheldUnlessScrubRule drops words about a person, or hands them to free text under a scrub rule', () => {
    const h = harness();
    expect(withheldUnlessScrubRule(inputFor(h, 'Reference', 'display', 'John Doe'), h.services)).toBe(DROP);
    const scrubbed = inputFor(h, 'Reference', 'display', 'John Doe', { modes: { scrubAll: true } });
    expect(withheldUnlessScrubRule(scrubbed, h.services)).toBe(PASS);
    expect(h.counts).toEqual(['backstop-drop:Reference.display']);
  });
});
