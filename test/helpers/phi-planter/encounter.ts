import type { Cast } from './cast.js';
import { SYSTEMS } from './constants.js';
import { coding, type Planter } from './context.js';
import { fmt } from './dates.js';
import type { JsonObject } from './types.js';

/** The inpatient Encounter; its id is the visit account number. */
export function plantEncounter(w: Planter, cast: Cast): JsonObject {
  const { p, keep, c, poolAt, dateTime } = w;
  const {
    family,
    street,
    rpGiven,
    rpFamily,
    rpId,
    accountNumber,
    encounterId,
    preAdmission,
    ids,
    primaryRef,
    fullName,
  } = cast;
  const admission = poolAt(0);
  const encounter: JsonObject = {
    resourceType: 'Encounter',
    id: p('account-number', 'Encounter.id', encounterId),
    text: {
      status: 'generated',
      div: `<div xmlns="http://www.w3.org/1999/xhtml">Admitted ${fmt.us(p('free-text-date', 'Encounter.text.div', admission, 'date'))}: ${p('name', 'Encounter.text.div', family)}, ${p('account-number', 'Encounter.text.div', accountNumber)}</div>`,
    },
    identifier: [
      {
        type: { coding: [coding(SYSTEMS.v2_0203, 'VN', 'Visit number')] },
        system: `https://${c.word().toLowerCase()}.example.org/visits`,
        value: p('account-number', 'Encounter.identifier.value', encounterId),
      },
    ],
    status: 'finished',
    class: coding('http://terminology.hl7.org/CodeSystem/v3-ActCode', 'IMP', 'inpatient encounter'),
    type: [{ coding: [keep(SYSTEMS.snomed, '32485007', 'Hospital admission (procedure)')] }],
    subject: { reference: primaryRef, display: p('name', 'Encounter.subject.display', fullName) },
    participant: [
      {
        individual: {
          reference: `RelatedPerson/${rpId}`,
          display: p('name', 'Encounter.participant.individual.display', `${rpGiven} ${rpFamily}`),
        },
      },
      { individual: { reference: ids.practitioner, display: 'Dr. Pat Provider' } },
    ],
    period: {
      start: dateTime(p('date', 'Encounter.period.start', admission, 'date'), 8),
      end: dateTime(admission, 20),
    },
    reasonCode: [
      {
        coding: [keep(SYSTEMS.snomed, '217082002', 'Accidental fall (event)')],
        text: `Fell outside ${p('street', 'Encounter.reasonCode.text', street)}`,
      },
    ],
    hospitalization: {
      preAdmissionIdentifier: {
        value: p('account-number', 'Encounter.hospitalization.preAdmissionIdentifier', preAdmission),
      },
    },
    serviceProvider: { reference: ids.hospital },
  };
  return encounter;
}
