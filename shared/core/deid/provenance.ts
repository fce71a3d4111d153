import { createHash } from 'node:crypto';
import { CONTRACT_TAG_SYSTEM, PROFILE_TAG_SYSTEM } from './fhir/support.js';
import type { TransformReport } from './report.js';

/**
 * "Say what was done": one R4 Provenance per released copy, added by the pipeline after
 * de-identification (so it is not subject to the contract's resource allow-list, and is not counted in
 * the TransformReport, which says what de-identification did to the submission's resources).
 *
 * It names the contract, its version and profile (`policy`, the same systems as the `meta.tag`s every
 * de-identified resource carries), the activity (v3-ActCode `DEID`, in R4's ProvenanceActivityType),
 * the pipeline as the agent, and the methods applied as counts per rule and element path: never a
 * value, never an id from the record (the targets are the copy's own pseudonymous references).
 *
 * Pure and deterministic: `recorded` (an R4 instant, so a full date-time) is the first instant of the
 * run's reference-date year, the way the engine generalizes instants: the day a submission was
 * received is close to the record's own dates, and the release gate holds the Provenance to the same
 * no-date-finer-than-the-year rule as everything else. The domain reads no clock. The id is a UUID
 * derived from a hash of the rest, so the same copy gives the same bytes.
 * All released resources are targets: the Provenance grows with the copy, never faster than it.
 */
type Json = Record<string, unknown>;

export const DEID_METHOD_EXTENSION = 'urn:phi-pipeline:extension:deid-method';
export const ACTIVITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const PIPELINE_AGENT_SYSTEM = 'urn:phi-pipeline:agent';

const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The Provenance for a copy whose released resources are `targets` (references as they resolve in the
 * copy: a Bundle entry's fullUrl, an NDJSON line's `Type/id`); `undefined` when nothing was released
 * (R4 needs at least one target). A reference named twice (two versions of one resource) is one target.
 */
export function deidProvenance(
  report: TransformReport,
  referenceDate: string,
  targets: readonly string[],
): Json | undefined {
  const unique = [...new Set(targets)];
  if (unique.length === 0) return undefined;
  const methods: Json[] = [];
  for (const [key, count] of Object.entries(report.counts)) {
    const at = key.indexOf(':');
    const method = at < 0 ? key : key.slice(0, at);
    const element = at < 0 ? undefined : key.slice(at + 1);
    methods.push({
      url: DEID_METHOD_EXTENSION,
      extension: [
        { url: 'method', valueCode: method },
        ...(element === undefined || element === '' ? [] : [{ url: 'element', valueString: element }]),
        { url: 'count', valueInteger: count },
      ],
    });
  }
  const body: Json = {
    meta: {
      tag: [
        { system: CONTRACT_TAG_SYSTEM, code: `${report.contract}@${report.contractVersion}` },
        { system: PROFILE_TAG_SYSTEM, code: report.profile },
      ],
    },
    ...(methods.length > 0 ? { extension: methods } : {}),
    target: unique.map((reference) => ({ reference })),
    recorded: `${referenceDate.slice(0, 4)}-01-01T00:00:00Z`,
    policy: [
      `${CONTRACT_TAG_SYSTEM}:${report.contract}@${report.contractVersion}`,
      `${PROFILE_TAG_SYSTEM}:${report.profile}`,
    ],
    activity: { coding: [{ system: ACTIVITY_SYSTEM, code: 'DEID', display: 'deidentify' }] },
    agent: [
      {
        type: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
              code: 'assembler',
              display: 'Assembler',
            },
          ],
        },
        who: {
          type: 'Device',
          identifier: { system: PIPELINE_AGENT_SYSTEM, value: 'phi-pipeline' },
          display: 'phi-pipeline',
        },
      },
    ],
  };
  return { resourceType: 'Provenance', id: uuidOf(JSON.stringify(body)), ...body };
}

/**
 * A de-identified Bundle with its Provenance as one more entry (`urn:uuid:<id>`, targeting the other
 * entries' fullUrls, or `Type/id` where an entry has none). The entry gets what the Bundle type needs
 * (a POST request in a transaction or batch, `search.mode: include` in a searchset). Returns the
 * Bundle itself, untouched, when nothing was released.
 */
export function withProvenanceEntry(bundle: Json, report: TransformReport, referenceDate: string): Json {
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  const targets: string[] = [];
  for (const entry of entries) {
    if (!isJson(entry) || !isJson(entry.resource)) continue;
    const target = entryTarget(entry.fullUrl, entry.resource);
    if (target !== undefined) targets.push(target);
  }
  const provenance = deidProvenance(report, referenceDate, targets);
  if (provenance === undefined) return bundle;
  const entry: Json = { fullUrl: `urn:uuid:${String(provenance.id)}`, resource: provenance };
  switch (bundle.type) {
    case 'transaction':
    case 'batch':
      entry.request = { method: 'POST', url: 'Provenance' };
      break;
    case 'history':
      entry.request = { method: 'POST', url: 'Provenance' };
      entry.response = { status: '201 Created' };
      break;
    case 'transaction-response':
    case 'batch-response':
      entry.response = { status: '201 Created' };
      break;
    case 'searchset':
      entry.search = { mode: 'include' };
      break;
    default:
  }
  return { ...bundle, entry: [...entries, entry] };
}

/** NDJSON lines (resources) with their Provenance as one more line, targeting each line's `Type/id`. */
export function withProvenanceLine(
  resources: readonly Json[],
  report: TransformReport,
  referenceDate: string,
): Json[] {
  const targets: string[] = [];
  for (const resource of resources) {
    const target = entryTarget(undefined, resource);
    if (target !== undefined) targets.push(target);
  }
  const provenance = deidProvenance(report, referenceDate, targets);
  return provenance === undefined ? [...resources] : [...resources, provenance];
}

/** The copy's notification counts: the report's resources plus the added Provenance, if any. */
export function countsWithProvenance(
  resourceCounts: Readonly<Record<string, number>>,
  added: boolean,
): Record<string, number> {
  if (!added) return { ...resourceCounts };
  const counts = { ...resourceCounts, Provenance: (resourceCounts.Provenance ?? 0) + 1 };
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;

function entryTarget(fullUrl: unknown, resource: Json): string | undefined {
  if (typeof fullUrl === 'string' && fullUrl.length > 0) return fullUrl;
  const { resourceType, id } = resource;
  if (typeof resourceType !== 'string' || typeof id !== 'string' || !FHIR_ID.test(id)) return undefined;
  return `${resourceType}/${id}`;
}

/** A UUID (version-4 shaped, like the keyed ids of the engine) from a SHA-256 of the text. */
function uuidOf(text: string): string {
  const bytes = createHash('sha256').update(text).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
