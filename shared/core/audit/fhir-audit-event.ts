import type { AuditRecord } from './audit-event.js';

/**
 * Our hash-chained audit records as FHIR R4 AuditEvent resources, following the IHE Basic Audit Log
 * Patterns (BALP): RESTful create/read for the HTTP API, the IUA "Get Access Token" pattern for the
 * token endpoint, Privacy Disclosure (source and recipient) for deliveries and consumer decrypts, and
 * plain application activity for the workers and operators. Every event also carries our own action
 * as a subtype coding, so the mapping loses nothing. Records hold ids and codes only, so do the events.
 */

/** One record of the chain: the audit record as the sinks store it. */
export type ChainedAuditRecord = Pick<AuditRecord, Exclude<keyof AuditRecord, 'prev'>> &
  Partial<Pick<AuditRecord, 'prev'>>;

export interface FhirCoding {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
}

export interface FhirIdentifier {
  readonly system: string;
  readonly value: string;
}

export interface FhirReference {
  readonly identifier: FhirIdentifier;
}

export interface FhirAuditAgent {
  readonly type: { readonly coding: readonly FhirCoding[] };
  readonly who: FhirReference;
  readonly requestor: boolean;
  /** FHIR network-type: 1 = machine name, 2 = IP address, 5 = URI. */
  readonly network?: { readonly address: string; readonly type: '1' | '2' | '5' };
  /** An operator's reason: the ActReason category and, as its text, the ticket the operator gave. */
  readonly purposeOfUse?: readonly FhirCodeableConcept[];
}

export interface FhirCodeableConcept {
  readonly coding?: readonly FhirCoding[];
  readonly text?: string;
}

export interface FhirAuditEntity {
  readonly what?: FhirReference;
  readonly type: FhirCoding;
  readonly role?: FhirCoding;
  readonly description?: string;
  readonly detail?: readonly { readonly type: string; readonly valueString: string }[];
}

export type FhirAuditAction = 'C' | 'R' | 'U' | 'D' | 'E';
/** 0 success, 4 minor failure (a request refused), 8 serious failure (the pipeline failed). */
export type FhirAuditOutcome = '0' | '4' | '8';

export interface FhirAuditEvent {
  readonly resourceType: 'AuditEvent';
  readonly id: string;
  readonly type: FhirCoding;
  readonly subtype: readonly FhirCoding[];
  readonly action: FhirAuditAction;
  readonly recorded: string;
  readonly outcome: FhirAuditOutcome;
  readonly outcomeDesc?: string;
  readonly agent: readonly FhirAuditAgent[];
  readonly source: {
    readonly site: string;
    readonly observer: FhirReference;
    readonly type: readonly FhirCoding[];
  };
  readonly entity?: readonly FhirAuditEntity[];
}

export interface FhirAuditBundle {
  readonly resourceType: 'Bundle';
  readonly type: 'collection';
  readonly entry: readonly { readonly fullUrl: string; readonly resource: FhirAuditEvent }[];
}

export interface FhirAuditOptions {
  /** `source.site`; default `phi-pipeline`. */
  readonly site?: string;
  /** Base URL of the HTTP API, recorded as the server agent's network address. */
  readonly serverUrl?: string;
}

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const LIFECYCLE = 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle';
const IHE_EVENT_TYPE = 'urn:ihe:event-type-code';
const BALP_ENTITY_TYPE = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType';
const BALP_AGENT_TYPE = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/UserAgentTypes';
const SECURITY_ROLE = 'http://terminology.hl7.org/CodeSystem/extra-security-role-type';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';

/** Our own vocabularies: the pipeline's action names and identifier namespaces. */
export const PIPELINE_ACTION_SYSTEM = 'urn:phi-pipeline:audit-action';
export const pipelineIdentifierSystem = (kind: string): string => `urn:phi-pipeline:${kind}`;

const coding = (system: string, code: string, display?: string): FhirCoding =>
  display === undefined ? { system, code } : { system, code, display };

const CODES = {
  rest: coding(AUDIT_EVENT_TYPE, 'rest', 'RESTful Operation'),
  userAuthentication: coding(DCM, '110114', 'User Authentication'),
  applicationActivity: coding(DCM, '110100', 'Application Activity'),
  export: coding(DCM, '110106', 'Export'),
  import: coding(DCM, '110107', 'Import'),
  create: coding(RESTFUL_INTERACTION, 'create', 'create'),
  read: coding(RESTFUL_INTERACTION, 'read', 'read'),
  getAccessToken: coding(IHE_EVENT_TYPE, 'ITI-71', 'Get Access Token'),
  disclose: coding(LIFECYCLE, 'disclose', 'Disclose Record Lifecycle Event'),
  deidentify: coding(LIFECYCLE, 'deidentify', 'De-Identify (Anononymize) Record Lifecycle Event'),
  decrypt: coding(LIFECYCLE, 'decrypt', 'Decrypt Record Lifecycle Event'),
  verify: coding(LIFECYCLE, 'verify', 'Verify Record Lifecycle Event'),
  application: coding(DCM, '110150', 'Application'),
  destinationRole: coding(DCM, '110152', 'Destination Role ID'),
  sourceRole: coding(DCM, '110153', 'Source Role ID'),
  authServer: coding(BALP_AGENT_TYPE, 'AuthzOauthService', 'OAuth Authorization Server'),
  dataProcessor: coding(SECURITY_ROLE, 'dataprocessor', 'data processor'),
  humanUser: coding(SECURITY_ROLE, 'humanuser', 'human user'),
  applicationServer: coding(SOURCE_TYPE, '4', 'Application Server'),
  securityAlert: coding(DCM, '110113', 'Security Alert'),
  userSecurityAttributesChanged: coding(DCM, '110137', 'User Security Attributes Changed'),
  healthcareOperations: coding(ACT_REASON, 'HOPERAT', 'healthcare operations'),
} as const;

/**
 * How a BALP pattern arranges the agents:
 * - `rest`: client (Source Role ID, the partner, with its IP) → server (Destination Role ID, the API);
 * - `token`: client (Application) → authorization server;
 * - `disclosure-source`: the pipeline (Source Role ID) discloses to the consumer (Destination Role ID);
 * - `disclosure-recipient`: the consumer (Destination Role ID) imports from the pipeline's store;
 * - `activity`: the actor alone (a worker, an operator).
 */
type Pattern = 'rest' | 'token' | 'disclosure-source' | 'disclosure-recipient' | 'activity';

interface ActionMapping {
  readonly type: FhirCoding;
  readonly subtype: readonly FhirCoding[];
  readonly action: FhirAuditAction;
  readonly pattern: Pattern;
}

/** Operator verbs that change who may receive or send PHI: security alerts on a user's attributes. */
const accessChanged = (action: FhirAuditAction): ActionMapping => ({
  type: CODES.securityAlert,
  subtype: [CODES.userSecurityAttributesChanged],
  action,
  pattern: 'activity',
});

/** Each of our actions, mapped deliberately; anything else falls back to application activity. */
export const ACTION_MAPPINGS: Readonly<Record<string, ActionMapping>> = {
  'token.issued': {
    type: CODES.userAuthentication,
    subtype: [CODES.getAccessToken],
    action: 'E',
    pattern: 'token',
  },
  'token.refused': {
    type: CODES.userAuthentication,
    subtype: [CODES.getAccessToken],
    action: 'E',
    pattern: 'token',
  },
  'submission.accepted': { type: CODES.rest, subtype: [CODES.create], action: 'C', pattern: 'rest' },
  'submission.duplicate': { type: CODES.rest, subtype: [CODES.create], action: 'C', pattern: 'rest' },
  'submission.rejected': { type: CODES.rest, subtype: [CODES.create], action: 'C', pattern: 'rest' },
  'submission.read': { type: CODES.rest, subtype: [CODES.read], action: 'R', pattern: 'rest' },
  'submission.processed': {
    type: CODES.applicationActivity,
    subtype: [CODES.verify],
    action: 'E',
    pattern: 'activity',
  },
  delivery: {
    type: CODES.export,
    subtype: [CODES.disclose, CODES.deidentify],
    action: 'R',
    pattern: 'disclosure-source',
  },
  'dead-letter': { type: CODES.applicationActivity, subtype: [], action: 'E', pattern: 'activity' },
  replay: { type: CODES.applicationActivity, subtype: [], action: 'E', pattern: 'activity' },
  // Operator verbs that change who may receive or send PHI are security alerts on a user's attributes.
  'consumer.disable': accessChanged('U'),
  'consumer.enable': accessChanged('U'),
  'partner.revoke': accessChanged('U'),
  'partner.rotate-key': accessChanged('U'),
  'partner.add': accessChanged('C'),
  'partner.set': accessChanged('U'),
  'consumer.consume': {
    type: CODES.import,
    subtype: [CODES.disclose, CODES.decrypt],
    action: 'C',
    pattern: 'activity',
  },
  'audit.export': { type: CODES.export, subtype: [], action: 'R', pattern: 'activity' },
  'consumer.decrypt': {
    type: CODES.import,
    subtype: [CODES.disclose, CODES.decrypt],
    action: 'C',
    pattern: 'disclosure-recipient',
  },
};

const FALLBACK: ActionMapping = {
  type: CODES.applicationActivity,
  subtype: [],
  action: 'E',
  pattern: 'activity',
};

/** Failures of the pipeline itself (not a refused request) are serious; a refusal is minor. */
const SERIOUS_CODES: ReadonlySet<string> = new Set(['internal', 'sha256-mismatch', 'size-mismatch']);
const SERIOUS_PREFIXES = ['crypto-', 'store-', 'queue-', 'contract-', 'config-'];

export function fhirOutcomeOf(
  record: Pick<ChainedAuditRecord, 'action' | 'outcome' | 'code'>,
): FhirAuditOutcome {
  if (record.outcome === 'success') return '0';
  if (record.action === 'dead-letter') return '8';
  const code = record.code ?? 'internal';
  if (SERIOUS_CODES.has(code) || SERIOUS_PREFIXES.some((prefix) => code.startsWith(prefix))) return '8';
  return '4';
}

const who = (kind: string, value: string): FhirReference => ({
  identifier: { system: pipelineIdentifierSystem(kind), value },
});

/** The actor's identity: partner, consumer and operator ids; workers are pipeline components. */
const actorWho = (actor: ChainedAuditRecord['actor']): FhirReference =>
  actor.type === 'system' ? who('component', actor.id) : who(actor.type, actor.id);

const API = who('component', 'api');
const OBJECT_STORE = who('component', 'object-store');
const CLI = who('component', 'phi-cli');

function agent(
  type: FhirCoding,
  whoRef: FhirReference,
  requestor: boolean,
  network?: FhirAuditAgent['network'],
): FhirAuditAgent {
  const base = { type: { coding: [type] }, who: whoRef, requestor };
  return network === undefined ? base : { ...base, network };
}

/**
 * An operator's agent carries the accountability of issue 12: the machine the verb ran on
 * (network type 1, machine name) and the ticket. R4 puts an agent's reason for the event in
 * `agent.purposeOfUse` (CodeableConcept, extensible binding to v3 PurposeOfUse): the coding says
 * health care operations (HIPAA's category for administering the pipeline), the text is the ticket
 * reference. The ticket also stays in the details entity with the other details.
 */
function withOperatorAccountability(record: ChainedAuditRecord, requestor: FhirAuditAgent): FhirAuditAgent {
  if (record.actor.type !== 'operator') return requestor;
  const host = record.details?.host;
  const ticket = record.details?.ticket;
  return {
    ...requestor,
    ...(typeof host === 'string' && requestor.network === undefined
      ? { network: { address: host, type: '1' as const } }
      : {}),
    ...(typeof ticket === 'string'
      ? { purposeOfUse: [{ coding: [CODES.healthcareOperations], text: ticket }] }
      : {}),
  };
}

function agentsOf(
  record: ChainedAuditRecord,
  pattern: Pattern,
  options: FhirAuditOptions,
): { agents: FhirAuditAgent[]; observer: FhirReference } {
  const client =
    record.sourceIp === undefined ? undefined : ({ address: record.sourceIp, type: '2' } as const);
  const server =
    options.serverUrl === undefined ? undefined : ({ address: options.serverUrl, type: '5' } as const);
  const actor = actorWho(record.actor);
  switch (pattern) {
    case 'rest':
      return {
        agents: [
          agent(CODES.sourceRole, actor, true, client),
          agent(CODES.destinationRole, API, false, server),
        ],
        observer: API,
      };
    case 'token':
      return {
        agents: [agent(CODES.application, actor, true, client), agent(CODES.authServer, API, false, server)],
        observer: API,
      };
    case 'disclosure-source': {
      const consumer = record.details?.consumer;
      const agents = [agent(CODES.sourceRole, actor, true)];
      if (typeof consumer === 'string')
        agents.push(agent(CODES.destinationRole, who('consumer', consumer), false));
      return { agents, observer: actor };
    }
    case 'disclosure-recipient':
      return {
        agents: [agent(CODES.sourceRole, OBJECT_STORE, false), agent(CODES.destinationRole, actor, true)],
        observer: actor,
      };
    case 'activity': {
      const type =
        record.actor.type === 'operator'
          ? CODES.humanUser
          : record.actor.type === 'system'
            ? CODES.dataProcessor
            : record.actor.type === 'consumer'
              ? CODES.destinationRole
              : CODES.sourceRole;
      return {
        agents: [withOperatorAccountability(record, agent(type, actor, true, client))],
        observer: record.actor.type === 'operator' ? CLI : record.actor.type === 'system' ? actor : API,
      };
    }
  }
}

function entitiesOf(record: ChainedAuditRecord): FhirAuditEntity[] {
  const entities: FhirAuditEntity[] = [];
  if (record.submissionId !== undefined) {
    entities.push({
      what: who('submission', record.submissionId),
      type: coding(ENTITY_TYPE, '2', 'System Object'),
      role: coding(OBJECT_ROLE, '4', 'Domain Resource'),
    });
  }
  if (record.requestId !== undefined) {
    entities.push({
      what: { identifier: { system: pipelineIdentifierSystem('request'), value: record.requestId } },
      type: coding(BALP_ENTITY_TYPE, 'XrequestId', 'X-Request-Id'),
    });
  }
  const messageId = record.details?.messageId;
  if (typeof messageId === 'string') {
    entities.push({
      what: who('queue-message', messageId),
      type: coding(ENTITY_TYPE, '2', 'System Object'),
      role: coding(OBJECT_ROLE, '20', 'Job'),
    });
  }
  const details = Object.entries(record.details ?? {});
  if (details.length > 0) {
    // BALP keeps the data entity bare; our counts, digests and names go on an entity of their own.
    entities.push({
      type: coding(ENTITY_TYPE, '4', 'Other'),
      description: 'event details',
      detail: details.map(([type, value]) => ({ type, valueString: String(value) })),
    });
  }
  return entities;
}

/** One FHIR R4 AuditEvent for one audit record; its id is the record's chain hash. */
export function toFhirAuditEvent(record: ChainedAuditRecord, options: FhirAuditOptions = {}): FhirAuditEvent {
  const mapping = ACTION_MAPPINGS[record.action] ?? FALLBACK;
  const { agents, observer } = agentsOf(record, mapping.pattern, options);
  const entity = entitiesOf(record);
  const outcome = fhirOutcomeOf(record);
  return {
    resourceType: 'AuditEvent',
    id: record.hash,
    type: mapping.type,
    subtype: [...mapping.subtype, coding(PIPELINE_ACTION_SYSTEM, record.action)],
    action: mapping.action,
    recorded: record.time,
    outcome,
    ...(outcome === '0' ? {} : { outcomeDesc: record.code ?? 'failure' }),
    agent: agents,
    source: { site: options.site ?? 'phi-pipeline', observer, type: [CODES.applicationServer] },
    ...(entity.length > 0 ? { entity } : {}),
  };
}

/** A stable `urn:uuid:` (UUID version 8, RFC 9562) derived from a record's SHA-256 hex. */
export function uuidUrnOfHash(hash: string): string {
  const h = hash.toLowerCase();
  const variant = ((Number.parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A `collection` Bundle of AuditEvents, each entry's fullUrl derived from its id. */
export function toFhirAuditBundle(events: readonly FhirAuditEvent[]): FhirAuditBundle {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: events.map((resource) => ({ fullUrl: uuidUrnOfHash(resource.id), resource })),
  };
}
