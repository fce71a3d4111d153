import { describe, expect, it } from 'vitest';
import { builtInProfile } from '../../../shared/core/deid/contract.js';
import { engineFor, type Json } from './support/deid-fixtures.js';

/**
 * Restricted ZIP3 prefixes that only HHS's 2000-census list names (063, 790, 830, 831, 890) are zeroed
 * by the Safe Harbor default (the union of the lists), in every Address, whoever it belongs to.
 */
const CENSUS_2000_ONLY = ['06390', '79012', '83001', '83114', '89049'];

describe.each(CENSUS_2000_ONLY)('ZIP %s under safe-harbor', (zip) => {
  const engine = engineFor(builtInProfile('safe-harbor'));
  const postalCodes = (resource: Json): unknown[] => {
    const out = engine.deidentifyResource(resource).output as Json;
    const found: unknown[] = [];
    JSON.stringify(out, (key, value: unknown) => {
      if (key === 'postalCode') found.push(value);
      return value;
    });
    return found;
  };

  it('becomes 00000 in Patient.address and Patient.contact.address', () => {
    const patient = {
      resourceType: 'Patient',
      id: 'p1',
      address: [{ state: 'TX', postalCode: zip }],
      contact: [{ address: { state: 'TX', postalCode: zip } }],
    };
    expect(postalCodes(patient)).toEqual(['00000', '00000']);
  });

  it('becomes 00000 in Location.address and Organization.address', () => {
    const location = { resourceType: 'Location', id: 'l1', address: { state: 'WY', postalCode: zip } };
    const organization = {
      resourceType: 'Organization',
      id: 'o1',
      address: [{ state: 'NV', postalCode: zip }],
    };
    expect(postalCodes(location)).toEqual(['00000']);
    expect(postalCodes(organization)).toEqual(['00000']);
  });
});
