import type { Cast } from './cast.js';
import { SYSTEMS } from './constants.js';
import { b64, coding, type Planter } from './context.js';
import type { JsonObject } from './types.js';

/** An AuditEvent: who read the chart, from which addresses, with which query. */
export function plantAuditEvent(w: Planter, cast: Cast): JsonObject {
  const { p, inText, c, idOf } = w;
  const { mrnSystem, family, mrn, ssn, mobile, ipv4, ipv6, ids, primaryRef, fullName } = cast;
  const auditQuery = `Patient?identifier=${SYSTEMS.ssn}|${ssn}`;
  inText('AuditEvent.entity.query', [['ssn', ssn]]);
  const audit: JsonObject = {
    resourceType: 'AuditEvent',
    id: idOf(ids.audit),
    modifierExtension: [
      {
        url: `https://${c.word().toLowerCase()}.example.org/fhir/StructureDefinition/break-glass-reason`,
        valueString: `Emergency access by ${p('name', 'AuditEvent.modifierExtension.valueString', c.word())}`,
      },
    ],
    type: coding('http://dicom.nema.org/resources/ontology/DCM', '110110', 'Patient Record'),
    action: 'R',
    recorded: '2024-11-05T10:00:00Z',
    outcome: '0',
    agent: [
      {
        who: {
          identifier: { system: mrnSystem, value: p('mrn', 'AuditEvent.agent.who.identifier.value', mrn) },
        },
        name: p('name', 'AuditEvent.agent.name', fullName),
        requestor: true,
        network: { address: p('ip', 'AuditEvent.agent.network.address', ipv4), type: '2' },
      },
      {
        who: { reference: ids.practitioner },
        requestor: false,
        network: { address: p('ip', 'AuditEvent.agent.network.address', ipv6), type: '2' },
      },
    ],
    source: {
      observer: { display: `Portal session of ${p('name', 'AuditEvent.source.observer.display', family)}` },
    },
    entity: [
      {
        what: { reference: primaryRef },
        description: `Chart of ${p('name', 'AuditEvent.entity.description', fullName)}`,
        query: b64(auditQuery),
        detail: [
          {
            type: 'comment',
            valueString: `Called from ${p('phone', 'AuditEvent.entity.detail.valueString', mobile)}`,
          },
        ],
      },
    ],
  };
  return audit;
}
