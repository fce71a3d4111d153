import type { Cast } from './cast.js';
import type { Planter } from './context.js';
import type { JsonObject } from './types.js';

/**
 * The provider side (a Practitioner, the hospital, the payer): no PHI of the individual; only the payer's
 * ZIP code is planted, from a sparsely populated prefix that the 2000 census list alone restricts.
 */
export function providerResources(
  w: Planter,
  cast: Cast,
): { practitioner: JsonObject; hospital: JsonObject; payer: JsonObject } {
  const { idOf, p } = w;
  const { ids, census2000Zips } = cast;
  const practitioner: JsonObject = {
    resourceType: 'Practitioner',
    id: idOf(ids.practitioner),
    identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '9999912345' }],
    name: [{ family: 'Provider', given: ['Pat'], prefix: ['Dr.'] }],
  };
  const hospital: JsonObject = {
    resourceType: 'Organization',
    id: idOf(ids.hospital),
    name: 'General Hospital',
    address: [{ line: ['1 Hospital Way'], city: 'Boston', state: 'MA', postalCode: '02115' }],
  };
  const payer: JsonObject = {
    resourceType: 'Organization',
    id: idOf(ids.payer),
    name: 'Example Health Plan',
    address: [
      {
        state: 'NV',
        postalCode: p('zip-restricted', 'Organization.address.postalCode', census2000Zips[2] ?? '', 'zip3'),
      },
    ],
  };
  return { practitioner, hospital, payer };
}
