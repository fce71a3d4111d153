import type { Cast } from './cast.js';
import { LOCAL_CODES, SYSTEMS } from './constants.js';
import { coding, type Planter } from './context.js';
import type { JsonObject } from './types.js';

/** A Procedure with a name and a phone number in its note. */
export function plantProcedure(w: Planter, cast: Cast): JsonObject {
  const { p, keep, poolAt, dateTime, idOf } = w;
  const { given, phone, ids, primaryRef, employer, mrn } = cast;
  const performed = poolAt(6);
  const procedure: JsonObject = {
    resourceType: 'Procedure',
    id: idOf(ids.procedure),
    status: 'completed',
    code: {
      coding: [keep(SYSTEMS.snomed, '50857003', 'Closed reduction of fracture of wrist')],
      text: 'Closed reduction of wrist fracture',
    },
    // A local category whose display holds the MRN; a reason naming the employer, display and text.
    category: {
      coding: [
        coding(LOCAL_CODES, 'ORTHO', `Ortho list ${p('mrn', 'Procedure.category.coding.display', mrn)}`),
      ],
    },
    reasonCode: [
      {
        coding: [
          coding(
            LOCAL_CODES,
            'INJ-WORK',
            `Injury at work, ${p('employer', 'Procedure.reasonCode.coding.display', employer)}`,
          ),
        ],
        text: `Injury at work, ${p('employer', 'Procedure.reasonCode.text', employer)}`,
      },
    ],
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
