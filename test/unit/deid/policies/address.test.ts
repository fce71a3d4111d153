import { describe, expect, it } from 'vitest';
import { restrictedZip3 } from '../../../../shared/core/deid/data/restricted-zip3.js';
import {
  addressElementPolicies,
  addressPolicy,
  collectAddress,
} from '../../../../shared/core/deid/policies/address.js';
import { DROP, keep } from '../../../../shared/core/deid/policies/policy.js';
import { harness, inputFor, policyOf, SAFE_HARBOR } from './support.js';

const part = (name: string) => policyOf(addressElementPolicies, name);

describe('Function: addressPolicy', () => {
  it('remembers the street, city, district, text and ZIP, then lets the elements be walked', () => {
    const h = harness();
    const value = {
      line: ['42 Elm Street', 3],
      city: 'Springfield',
      district: 'Hampden',
      text: '42 Elm Street, Springfield',
      postalCode: '01103',
      state: 'MA',
    };
    const place = { path: 'Patient.address', record: h.record };
    expect(addressPolicy({ value, place, modes: SAFE_HARBOR }, h.services)).toBe('walk');
    expect(h.addressParts).toEqual(['42 Elm Street', 'Springfield', 'Hampden', '42 Elm Street, Springfield']);
    expect(h.identifiers).toEqual(['01103']);
    expect(h.counts).toEqual([]);
  });

  it('collectAddress ignores parts that are not strings', () => {
    const h = harness();
    collectAddress({ line: 'not a list', city: 1, postalCode: 2 }, h.services.identifiers);
    expect([...h.addressParts, ...h.identifiers]).toEqual([]);
  });
});

describe('Address elements', () => {
  it('keeps state and country for a check against the record, and refuses non-strings', () => {
    const h = harness();
    expect(part('state')(inputFor(h, 'Address', 'state', 'MA'), h.services)).toEqual(
      keep('MA', 'check-context'),
    );
    expect(part('country')(inputFor(h, 'Address', 'country', 'US'), h.services)).toEqual(
      keep('US', 'check-context'),
    );
    expect(part('state')(inputFor(h, 'Address', 'state', 5), h.services)).toBe(DROP);
    expect(h.counts).toEqual(['invalid-drop:Address.state']);
  });

  it('keeps the city only in a limited data set', () => {
    const safe = harness();
    expect(part('city')(inputFor(safe, 'Address', 'city', 'Springfield'), safe.services)).toBe(DROP);
    expect(safe.counts).toEqual(['backstop-drop:Address.city']);
    const limited = harness({ profile: 'limited-data-set' });
    expect(part('city')(inputFor(limited, 'Address', 'city', 'Springfield'), limited.services)).toEqual(
      keep('Springfield'),
    );
    expect(limited.counts).toEqual([]);
  });

  it('cuts a ZIP code to three digits, or to zeros for a sparsely populated prefix', () => {
    const h = harness();
    expect(part('postalCode')(inputFor(h, 'Address', 'postalCode', '02139-4307'), h.services)).toEqual(
      keep('02100'),
    );
    expect(part('postalCode')(inputFor(h, 'Address', 'postalCode', '03601'), h.services)).toEqual(
      keep('00000'),
    );
    expect(h.counts).toEqual(['generalize-zip3:Address.postalCode', 'generalize-zip3:Address.postalCode']);
  });

  it('zeroes the 2000-census prefixes HHS lists when the contract uses the union of the lists', () => {
    const union = harness({ restrictedZip: restrictedZip3('union') });
    for (const zip of ['06390', '79012', '83001', '83114', '89049']) {
      expect(part('postalCode')(inputFor(union, 'Address', 'postalCode', zip), union.services)).toEqual(
        keep('00000'),
      );
    }
    const only2020 = harness({ restrictedZip: restrictedZip3('census-2020') });
    expect(
      part('postalCode')(inputFor(only2020, 'Address', 'postalCode', '79012'), only2020.services),
    ).toEqual(keep('79000'));
  });

  it('drops a ZIP code that is not a US one, or when the contract drops ZIP codes', () => {
    const h = harness();
    expect(part('postalCode')(inputFor(h, 'Address', 'postalCode', 'K1A 0B1'), h.services)).toBe(DROP);
    const dropped = inputFor(h, 'Address', 'postalCode', '02139', { modes: { zip: 'drop' } });
    expect(part('postalCode')(dropped, h.services)).toBe(DROP);
    expect(part('postalCode')(inputFor(h, 'Address', 'postalCode', 2139), h.services)).toBe(DROP);
    expect(h.counts).toEqual([
      'backstop-drop:Address.postalCode',
      'backstop-drop:Address.postalCode',
      'invalid-drop:Address.postalCode',
    ]);
  });

  it('keeps the whole ZIP code only when a limited data set asks for it', () => {
    const keepZip = { modes: { zip: 'keep' as const } };
    const limited = harness({ profile: 'limited-data-set' });
    expect(
      part('postalCode')(inputFor(limited, 'Address', 'postalCode', '02139', keepZip), limited.services),
    ).toEqual(keep('02139'));
    const safe = harness();
    expect(
      part('postalCode')(inputFor(safe, 'Address', 'postalCode', '02139', keepZip), safe.services),
    ).toEqual(keep('02100'));
  });

  it('drops street lines, district and text', () => {
    const h = harness();
    for (const name of ['line', 'district', 'text']) {
      expect(part(name)(inputFor(h, 'Address', name, 'x'), h.services)).toBe(DROP);
    }
    expect(h.counts).toEqual([
      'backstop-drop:Address.line',
      'backstop-drop:Address.district',
      'backstop-drop:Address.text',
    ]);
  });
});
