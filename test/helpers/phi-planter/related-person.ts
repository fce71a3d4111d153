import type { Cast } from './cast.js';
import { SYSTEMS } from './constants.js';
import { coding, type Planter } from './context.js';
import type { JsonObject } from './types.js';

/** The patient's relative, also the subscriber of the coverage. */
export function plantRelatedPerson(w: Planter, cast: Cast): JsonObject {
  const { p } = w;
  const {
    street,
    city,
    zip,
    census2000Zips,
    rpGiven,
    rpFamily,
    rpPhoneDigits,
    rpId,
    rpSsn,
    rpEmail,
    rpBirth,
    primaryRef,
    fullName,
  } = cast;
  const relatedPerson: JsonObject = {
    resourceType: 'RelatedPerson',
    id: p('phone', 'RelatedPerson.id', rpId),
    identifier: [{ system: SYSTEMS.ssn, value: p('ssn', 'RelatedPerson.identifier.value', rpSsn) }],
    patient: { reference: primaryRef, display: p('name', 'RelatedPerson.patient.display', fullName) },
    relationship: [
      { coding: [coding('http://terminology.hl7.org/CodeSystem/v3-RoleCode', 'SPS', 'spouse')] },
    ],
    name: [
      {
        family: p('name', 'RelatedPerson.name.family', rpFamily),
        given: [p('name', 'RelatedPerson.name.given', rpGiven)],
      },
    ],
    telecom: [
      { system: 'phone', value: p('phone', 'RelatedPerson.telecom.value', rpPhoneDigits) },
      { system: 'email', value: p('email', 'RelatedPerson.telecom.value', rpEmail) },
    ],
    birthDate: p('birth-date', 'RelatedPerson.birthDate', rpBirth, 'date'),
    address: [
      {
        line: [p('street', 'RelatedPerson.address.line', street)],
        city: p('city', 'RelatedPerson.address.city', city),
        postalCode: p('zip', 'RelatedPerson.address.postalCode', zip),
      },
      {
        use: 'work',
        state: 'WY',
        postalCode: p(
          'zip-restricted',
          'RelatedPerson.address(work).postalCode',
          census2000Zips[1] ?? '',
          'zip3',
        ),
      },
    ],
  };
  return relatedPerson;
}
