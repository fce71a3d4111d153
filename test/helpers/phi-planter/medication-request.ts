import type { Cast } from './cast.js';
import { SYSTEMS } from './constants.js';
import type { Planter } from './context.js';
import type { JsonObject } from './types.js';

/** A MedicationRequest with a fax number and a name in its free text. */
export function plantMedicationRequest(w: Planter, cast: Cast): JsonObject {
  const { p, keep, poolAt, dateTime, idOf } = w;
  const { fax, rpGiven, ids, primaryRef } = cast;
  const authored = poolAt(5);
  const medication: JsonObject = {
    resourceType: 'MedicationRequest',
    id: idOf(ids.medication),
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: {
      coding: [keep(SYSTEMS.rxnorm, '313782', 'Acetaminophen 325 MG Oral Tablet')],
      text: 'Acetaminophen 325 MG Oral Tablet',
    },
    subject: { reference: primaryRef },
    authoredOn: dateTime(p('date', 'MedicationRequest.authoredOn', authored, 'date'), 12),
    requester: { reference: ids.practitioner },
    reasonReference: [{ reference: ids.condition }],
    note: [{ text: `Pharmacy to call ${p('fax', 'MedicationRequest.note.text', fax)} (fax)` }],
    dosageInstruction: [
      {
        text: `1 tablet every 6 hours; ${p('name', 'MedicationRequest.dosageInstruction.text', rpGiven)} helps with doses`,
      },
    ],
  };
  return medication;
}
