import type { Cast } from './cast.js';
import { SYSTEMS } from './constants.js';
import type { Planter } from './context.js';
import type { JsonObject } from './types.js';

/** An Immunization given at the patient's home. */
export function plantImmunization(w: Planter, cast: Cast): JsonObject {
  const { p, keep, poolAt, dateTime, idOf } = w;
  const { street, ids, primaryRef, fullName } = cast;
  const vaccinated = poolAt(11);
  const immunization: JsonObject = {
    resourceType: 'Immunization',
    id: idOf(ids.immunization),
    status: 'completed',
    vaccineCode: { coding: [keep(SYSTEMS.cvx, '140', 'Influenza, seasonal, injectable, preservative free')] },
    patient: { reference: primaryRef, display: p('name', 'Immunization.patient.display', fullName) },
    occurrenceDateTime: dateTime(p('date', 'Immunization.occurrenceDateTime', vaccinated, 'date'), 9),
    lotNumber: 'VAC-LOT-77',
    performer: [{ actor: { reference: ids.practitioner } }],
    note: [{ text: `Given at ${p('street', 'Immunization.note.text', street)} (home visit)` }],
  };
  return immunization;
}
