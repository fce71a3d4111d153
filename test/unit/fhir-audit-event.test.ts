import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type ChainedAuditRecord,
  type FhirAuditEvent,
  fhirOutcomeOf,
  PIPELINE_ACTION_SYSTEM,
  toFhirAuditBundle,
  toFhirAuditEvent,
  uuidUrnOfHash,
} from '../../shared/core/audit/fhir-audit-event.js';
import { validateBundle } from '../../shared/core/fhir/validate-bundle.js';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const REST = 'http://hl7.org/fhir/restful-interaction';
const LIFECYCLE = 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle';
const SUBMISSION = '5f0c7f0e-8a43-4f6e-9d0b-3f1a2b3c4d5e';

let seq = 0;
function record(
  fields: Partial<ChainedAuditRecord> & Pick<ChainedAuditRecord, 'action'>,
): ChainedAuditRecord {
  seq += 1;
  return {
    time: '2026-08-01T12:00:00.000Z',
    actor: { type: 'partner', id: 'demo' },
    outcome: 'success',
    seq,
    hash: createHash('sha256').update(`record-${seq}`).digest('hex'),
    ...fields,
  };
}

const SAMPLES: readonly ChainedAuditRecord[] = [
  record({ action: 'token.issued', requestId: 'req-1', sourceIp: '192.0.2.10', details: { scopes: 2 } }),
  record({
    action: 'token.refused',
    actor: { type: 'anonymous', id: 'unknown' },
    outcome: 'failure',
    code: 'invalid_client',
    requestId: 'req-2',
    sourceIp: '192.0.2.11',
  }),
  record({
    action: 'submission.accepted',
    requestId: 'req-3',
    submissionId: SUBMISSION,
    sourceIp: '2001:db8::1',
    details: { kind: 'bundle', bytes: 1234, contentDigest: 'sha-256=:AAAA:' },
  }),
  record({
    action: 'submission.duplicate',
    requestId: 'req-4',
    submissionId: SUBMISSION,
    sourceIp: '192.0.2.10',
  }),
  record({
    action: 'submission.rejected',
    outcome: 'failure',
    code: 'digest-mismatch',
    requestId: 'req-5',
    sourceIp: '192.0.2.10',
  }),
  record({ action: 'submission.read', requestId: 'req-6', submissionId: SUBMISSION, sourceIp: '192.0.2.10' }),
  record({
    action: 'submission.processed',
    actor: { type: 'system', id: 'process' },
    submissionId: SUBMISSION,
    details: { consumers: 2, partner: 'demo' },
  }),
  record({
    action: 'delivery',
    actor: { type: 'system', id: 'deliver' },
    submissionId: SUBMISSION,
    details: { consumer: 'analytics', bytes: 99, profile: 'safe-harbor', contract: '1.0.0' },
  }),
  record({
    action: 'dead-letter',
    actor: { type: 'system', id: 'deliver' },
    outcome: 'failure',
    code: 'contract-invalid',
    submissionId: SUBMISSION,
    details: { consumer: 'analytics' },
  }),
  record({
    action: 'replay',
    actor: { type: 'operator', id: 'alice@ops-host' },
    submissionId: SUBMISSION,
    details: { queue: 'deliver-analytics-dlq', sourceQueue: 'deliver-analytics', messageId: 'm-1' },
  }),
  record({
    action: 'consumer.decrypt',
    actor: { type: 'consumer', id: 'analytics' },
    submissionId: SUBMISSION,
    details: { queue: 'notify-analytics', messageId: 'm-2' },
  }),
  record({
    action: 'consumer.decrypt',
    actor: { type: 'consumer', id: 'analytics' },
    outcome: 'failure',
    code: 'crypto-failed',
    submissionId: SUBMISSION,
  }),
];

const byAction = (action: string, outcome = 'success'): ChainedAuditRecord => {
  const found = SAMPLES.find((r) => r.action === action && r.outcome === outcome);
  if (!found) throw new Error(`no sample for ${action}`);
  return found;
};
const codesOf = (event: FhirAuditEvent) => event.subtype.map((c) => `${c.system}#${c.code}`);
const agentTypeCodes = (event: FhirAuditEvent) => event.agent.map((a) => a.type.coding[0]?.code);

describe('Function: toFhirAuditEvent', () => {
  it.each([
    ['token.issued', `${DCM}#110114`, 'urn:ihe:event-type-code#ITI-71', 'E', '0'],
    [
      'submission.accepted',
      'http://terminology.hl7.org/CodeSystem/audit-event-type#rest',
      `${REST}#create`,
      'C',
      '0',
    ],
    [
      'submission.duplicate',
      'http://terminology.hl7.org/CodeSystem/audit-event-type#rest',
      `${REST}#create`,
      'C',
      '0',
    ],
    [
      'submission.read',
      'http://terminology.hl7.org/CodeSystem/audit-event-type#rest',
      `${REST}#read`,
      'R',
      '0',
    ],
    ['submission.processed', `${DCM}#110100`, `${LIFECYCLE}#verify`, 'E', '0'],
    ['delivery', `${DCM}#110106`, `${LIFECYCLE}#disclose`, 'R', '0'],
    ['replay', `${DCM}#110100`, `${PIPELINE_ACTION_SYSTEM}#replay`, 'E', '0'],
    ['consumer.decrypt', `${DCM}#110107`, `${LIFECYCLE}#decrypt`, 'C', '0'],
  ])('maps %s to type %s, subtype %s, action %s', (action, type, subtype, fhirAction, outcome) => {
    const event = toFhirAuditEvent(byAction(action));
    expect(`${event.type.system}#${event.type.code}`).toBe(type);
    expect(codesOf(event)).toContain(subtype);
    expect(codesOf(event)).toContain(`${PIPELINE_ACTION_SYSTEM}#${action}`);
    expect(event.action).toBe(fhirAction);
    expect(event.outcome).toBe(outcome);
    expect(event.outcomeDesc).toBeUndefined();
  });

  it('uses the chain hash as id and the record time as recorded', () => {
    const source = byAction('submission.accepted');
    const event = toFhirAuditEvent(source);
    expect(event.resourceType).toBe('AuditEvent');
    expect(event.id).toBe(source.hash);
    expect(event.recorded).toBe(source.time);
  });

  it('follows BALP Create: client (110153) with network address, server (110152), data and transaction entities', () => {
    const event = toFhirAuditEvent(byAction('submission.accepted'), { serverUrl: 'https://127.0.0.1:8443' });
    expect(agentTypeCodes(event)).toEqual(['110153', '110152']);
    const [client, server] = event.agent;
    expect(client).toMatchObject({
      requestor: true,
      who: { identifier: { system: 'urn:phi-pipeline:partner', value: 'demo' } },
      network: { address: '2001:db8::1', type: '2' },
    });
    expect(server).toMatchObject({
      requestor: false,
      network: { address: 'https://127.0.0.1:8443', type: '5' },
    });
    const entities = event.entity ?? [];
    expect(entities.find((e) => e.role?.code === '4')?.what).toEqual({
      identifier: { system: 'urn:phi-pipeline:submission', value: SUBMISSION },
    });
    const transaction = entities.find((e) => e.type.code === 'XrequestId');
    expect(transaction?.type.system).toBe(
      'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType',
    );
    expect(transaction?.what?.identifier.value).toBe('req-3');
    expect(event.source.observer).toEqual(server?.who);
  });

  it('follows the IUA Get Access Token pattern: the client is an Application, the API the OAuth server', () => {
    const event = toFhirAuditEvent(byAction('token.issued'));
    expect(agentTypeCodes(event)).toEqual(['110150', 'AuthzOauthService']);
    expect(event.agent[0]?.network?.address).toBe('192.0.2.10');
  });

  it('records a delivery as a disclosure from the pipeline (source) to the consumer (recipient)', () => {
    const event = toFhirAuditEvent(byAction('delivery'));
    expect(agentTypeCodes(event)).toEqual(['110153', '110152']);
    expect(event.agent[1]?.who.identifier).toEqual({
      system: 'urn:phi-pipeline:consumer',
      value: 'analytics',
    });
    expect(codesOf(event)).toContain(`${LIFECYCLE}#deidentify`);
    expect(event.source.observer).toEqual(event.agent[0]?.who);
  });

  it('records a consumer decrypt at the recipient, which is also the observer', () => {
    const event = toFhirAuditEvent(byAction('consumer.decrypt'));
    const recipient = event.agent.find((a) => a.type.coding[0]?.code === '110152');
    expect(recipient).toMatchObject({
      requestor: true,
      who: { identifier: { system: 'urn:phi-pipeline:consumer', value: 'analytics' } },
    });
    expect(event.source.observer).toEqual(recipient?.who);
  });

  it('records a replay with the operator as a human user and the queue message as a job entity', () => {
    const event = toFhirAuditEvent(byAction('replay'));
    expect(event.agent).toEqual([
      {
        type: { coding: [expect.objectContaining({ code: 'humanuser' })] },
        who: { identifier: { system: 'urn:phi-pipeline:operator', value: 'alice@ops-host' } },
        requestor: true,
      },
    ]);
    const job = event.entity?.find((e) => e.role?.code === '20');
    expect(job?.what?.identifier).toEqual({ system: 'urn:phi-pipeline:queue-message', value: 'm-1' });
  });

  it('puts details on an entity of their own, as strings', () => {
    const event = toFhirAuditEvent(byAction('submission.accepted'));
    const details = event.entity?.find((e) => e.type.code === '4')?.detail;
    expect(details).toContainEqual({ type: 'bytes', valueString: '1234' });
    expect(details).toContainEqual({ type: 'kind', valueString: 'bundle' });
  });

  it('maps an unknown action to application activity, keeping the action as subtype', () => {
    const event = toFhirAuditEvent(record({ action: 'something.new', actor: { type: 'system', id: 'x' } }));
    expect(event.type.code).toBe('110100');
    expect(codesOf(event)).toEqual([`${PIPELINE_ACTION_SYSTEM}#something.new`]);
  });
});

describe('Function: fhirOutcomeOf', () => {
  it.each([
    ['token.refused', 'invalid_client', '4'],
    ['submission.rejected', 'digest-mismatch', '4'],
    ['submission.rejected', 'internal', '8'],
    ['consumer.decrypt', 'crypto-failed', '8'],
    ['consumer.decrypt', 'consumer-mismatch', '4'],
    ['dead-letter', 'content-invalid', '8'],
  ])('%s failing with %s is outcome %s', (action, code, outcome) => {
    expect(fhirOutcomeOf({ action, outcome: 'failure', code })).toBe(outcome);
  });

  it('carries the failure code as outcomeDesc', () => {
    const event = toFhirAuditEvent(byAction('submission.rejected', 'failure'));
    expect(event).toMatchObject({ outcome: '4', outcomeDesc: 'digest-mismatch' });
    // Nothing was created, so there is no data entity, only the transaction.
    expect(event.entity?.map((e) => e.type.code)).toEqual(['XrequestId']);
  });
});

describe('Function: toFhirAuditBundle', () => {
  it('is a valid FHIR R4 collection Bundle for every mapped action', () => {
    const bundle = toFhirAuditBundle(
      SAMPLES.map((r) => toFhirAuditEvent(r, { serverUrl: 'https://127.0.0.1:8443' })),
    );
    const summary = validateBundle(JSON.parse(JSON.stringify(bundle)));
    expect(summary).toMatchObject({ type: 'collection', entryCount: SAMPLES.length });
    expect(summary.resourceCounts).toEqual({ AuditEvent: SAMPLES.length });
  });

  it('is checked by a validator that refuses a broken AuditEvent (recorded is required)', () => {
    const event = toFhirAuditEvent(byAction('delivery'));
    const { recorded: _dropped, ...withoutRecorded } = event;
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: withoutRecorded }] };
    expect(() => validateBundle(bundle)).toThrow(expect.objectContaining({ code: 'invalid-fhir' }));
  });

  it('derives stable urn:uuid fullUrls (UUID version 8) from the hashes', () => {
    const hash = createHash('sha256').update('x').digest('hex');
    const urn = uuidUrnOfHash(hash);
    expect(urn).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidUrnOfHash(hash)).toBe(urn);
    expect(uuidUrnOfHash(createHash('sha256').update('y').digest('hex'))).not.toBe(urn);
  });
});
