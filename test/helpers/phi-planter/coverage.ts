import type { Cast } from './cast.js';
import { SYSTEMS } from './constants.js';
import { coding, type Planter } from './context.js';
import type { JsonObject } from './types.js';

/** The Coverage; its id is the member id. */
export function plantCoverage(w: Planter, cast: Cast): JsonObject {
  const { p, poolAt } = w;
  const { ssn, employer, rpId, memberId, subscriberId, ids, primaryRef } = cast;
  const coverageStart = poolAt(13);
  const coverage: JsonObject = {
    resourceType: 'Coverage',
    id: p('member-id', 'Coverage.id', memberId),
    identifier: [
      {
        type: { coding: [coding(SYSTEMS.v2_0203, 'MB', 'Member Number')] },
        system: 'urn:zqx:members',
        value: p('member-id', 'Coverage.identifier.value', memberId),
      },
    ],
    status: 'active',
    subscriber: { reference: `RelatedPerson/${rpId}` },
    subscriberId: p('member-id', 'Coverage.subscriberId', subscriberId),
    beneficiary: {
      reference: primaryRef,
      identifier: { system: SYSTEMS.ssn, value: p('ssn', 'Coverage.beneficiary.identifier.value', ssn) },
    },
    class: [
      {
        type: { coding: [coding('http://terminology.hl7.org/CodeSystem/coverage-class', 'group', 'Group')] },
        value: 'GRP-100',
        name: `${p('employer', 'Coverage.class.name', employer)} staff plan`,
      },
    ],
    dependent: '01',
    relationship: {
      coding: [coding('http://terminology.hl7.org/CodeSystem/subscriber-relationship', 'spouse', 'Spouse')],
    },
    period: { start: p('date', 'Coverage.period.start', coverageStart, 'date') },
    payor: [{ reference: ids.payer }],
  };
  return coverage;
}
