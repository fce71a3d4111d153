import type { Cast } from './cast.js';
import { SYSTEMS } from './constants.js';
import type { Planter } from './context.js';
import type { JsonObject } from './types.js';

/** A Procedure with a name and a phone number in its note. */
export function plantProcedure(w: Planter, cast: Cast): JsonObject {
  const { p, keep, poolAt, dateTime, idOf } = w;
  const { given, phone, ids, primaryRef } = cast;
  const performed = poolAt(6);
  const procedure: JsonObject = {
    resourceType: 'Procedure',
    id: idOf(ids.procedure),
    status: 'completed',
    code: {
      coding: [keep(SYSTEMS.snomed, '50857003', 'Closed reduction of fracture of wrist')],
      text: 'Closed reduction of wrist fracture',
    },
    subject: { reference: primaryRef },
    encounter: { reference: ids.encounter },
    performedDateTime: dateTime(p('date', 'Procedure.performedDateTime', performed, 'date'), 13),
    performer: [{ actor: { reference: ids.practitioner } }],
    note: [
      {
        text: `Performed at bedside; ${p('name', 'Procedure.note.text', given)} consented by phone ${p('phone', 'Procedure.note.text', phone)}.`,
      },
    ],
    focalDevice: [{ manipulated: { reference: ids.device } }],
  };
  return procedure;
}
