import type { Cast } from './cast.js';
import type { Planter } from './context.js';
import type { JsonObject } from './types.js';

/** The provider side (a Practitioner, the hospital, the payer): no PHI of the individual, nothing planted. */
export function providerResources(
  w: Planter,
  cast: Cast,
): { practitioner: JsonObject; hospital: JsonObject; payer: JsonObject } {
  const { idOf } = w;
  const { ids } = cast;
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
  };
  return { practitioner, hospital, payer };
}
