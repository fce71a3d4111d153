import { describe, expect, it } from 'vitest';
import { DROP, keep } from '../../../../shared/core/deid/policies/policy.js';
import {
  idPolicy,
  oidPolicy,
  pseudonymizeRule,
  uuidPolicy,
} from '../../../../shared/core/deid/policies/pseudonymous-id.js';
import { harness, inputFor, PSEUDONYMS } from './support.js';

describe('id, oid and uuid policies', () => {
  it('turn an id into a keyed token, or an OID-shaped id into a keyed OID', () => {
    const h = harness();
    expect(idPolicy(inputFor(h, 'Element', 'id', 'MRN-1', { valueType: 'id' }), h.services)).toEqual(
      keep(PSEUDONYMS.token('MRN-1')),
    );
    expect(idPolicy(inputFor(h, 'Element', 'id', '1.2.840.1', { valueType: 'id' }), h.services)).toEqual(
      keep(PSEUDONYMS.oid('1.2.840.1')),
    );
    expect(h.counts).toEqual(['pseudonymize:Element.id', 'pseudonymize:Element.id']);
  });

  it('keep the URN form of an oid and a uuid, keying a uuid case-insensitively', () => {
    const h = harness();
    expect(oidPolicy(inputFor(h, 'X', 'oid', '1.2.3'), h.services)).toEqual(
      keep(`urn:oid:${PSEUDONYMS.oid('1.2.3')}`),
    );
    const upper = uuidPolicy(inputFor(h, 'X', 'uuid', 'ABCDEF'), h.services);
    expect(upper).toEqual(keep(`urn:uuid:${PSEUDONYMS.resourceUuid('uuid|abcdef')}`));
    expect(uuidPolicy(inputFor(h, 'X', 'uuid', 'abcdef'), h.services)).toEqual(upper);
  });

  it('refuse a non-string without counting a pseudonym', () => {
    const h = harness();
    expect(idPolicy(inputFor(h, 'Element', 'id', 5), h.services)).toBe(DROP);
    expect(h.counts).toEqual(['invalid-drop:Element.id']);
  });
});

describe('Function: pseudonymizeRule', () => {
  it('does not apply outside a pseudonymize rule, or to non-strings', () => {
    const h = harness();
    expect(pseudonymizeRule(inputFor(h, 'Patient', 'gender', 'male'), h.services)).toBeUndefined();
    const number = inputFor(h, 'Encounter', 'length', 5, { modes: { pseudonymize: 2 } });
    expect(pseudonymizeRule(number, h.services)).toBeUndefined();
    expect(h.counts).toEqual([]);
  });

  it('under a rule on a complex element, reaches only strings and ids', () => {
    const h = harness();
    const string = inputFor(h, 'HumanName', 'family', 'Doe', { modes: { pseudonymize: 1 } });
    expect(pseudonymizeRule(string, h.services)).toEqual(keep(PSEUDONYMS.token('Doe')));
    const code = inputFor(h, 'HumanName', 'use', 'official', {
      valueType: 'code',
      modes: { pseudonymize: 1 },
    });
    expect(pseudonymizeRule(code, h.services)).toBeUndefined();
    expect(h.counts).toEqual(['pseudonymize:HumanName.family']);
  });

  it('under a rule on the element itself, reaches any string value', () => {
    const h = harness();
    const code = inputFor(h, 'Claim', 'use', 'claim', { valueType: 'code', modes: { pseudonymize: 2 } });
    expect(pseudonymizeRule(code, h.services)).toEqual(keep(PSEUDONYMS.token('claim')));
  });
});
