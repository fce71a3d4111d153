import { describe, expect, it } from 'vitest';
import { extensionElementPolicies } from '../../../../shared/core/deid/policies/extension.js';
import { DROP, keep, PASS } from '../../../../shared/core/deid/policies/policy.js';
import { harness, inputFor, policyOf } from './support.js';

const url = policyOf(extensionElementPolicies, 'url');
const valueString = policyOf(extensionElementPolicies, 'valueString');
const RACE_DISPLAYS: ReadonlySet<string> = new Set(['white', 'asian']);

describe('Extension url', () => {
  it('stays as written; a non-string is invalid', () => {
    const h = harness();
    expect(url(inputFor(h, 'Extension', 'url', 'ombCategory'), h.services)).toEqual(keep('ombCategory'));
    expect(url(inputFor(h, 'Extension', 'url', 3), h.services)).toBe(DROP);
    expect(h.counts).toEqual(['invalid-drop:Extension.url']);
  });
});

describe('Extension valueString', () => {
  const text = (h: ReturnType<typeof harness>, value: unknown) =>
    inputFor(h, 'Extension', 'valueString', value, {
      siblings: { url: 'text', valueString: value },
      neighbourDisplays: RACE_DISPLAYS,
    });

  it("keeps a coded extension's text that repeats one of its displays, for a display check", () => {
    const h = harness();
    expect(valueString(text(h, ' White '), h.services)).toEqual(keep(' White ', 'display'));
  });

  it("drops a coded extension's text that is anything else", () => {
    const h = harness();
    expect(valueString(text(h, 'John Doe'), h.services)).toBe(DROP);
    expect(valueString(text(h, 7), h.services)).toBe(DROP);
    expect(h.counts).toEqual(['backstop-drop:Extension.valueString', 'backstop-drop:Extension.valueString']);
  });

  it('leaves any other string extension value to the string policy', () => {
    const h = harness();
    const other = inputFor(h, 'Extension', 'valueString', 'White', {
      siblings: { url: 'http://example.org/x' },
      neighbourDisplays: RACE_DISPLAYS,
    });
    expect(valueString(other, h.services)).toBe(PASS);
    const outside = inputFor(h, 'Extension', 'valueString', 'White', { siblings: { url: 'text' } });
    expect(valueString(outside, h.services)).toBe(PASS);
  });
});
