import { reject } from '../errors.js';

/**
 * The Bundle rules we check ourselves before full structural validation: they are cheap, they give
 * partners a precise location, and some (bdl-7, urn:uuid resolution, accepted Bundle types) are
 * not, or not reliably, enforced by the StructureDefinition validator.
 */

/** Synthea patient bundles reach about 2 000 entries; anything far above that is abuse, not data. */
export const MAX_BUNDLE_ENTRIES = 10_000;

/** Partners submit; search results, histories and responses are answers, not submissions. */
export const ACCEPTED_BUNDLE_TYPES: ReadonlySet<string> = new Set([
  'transaction',
  'batch',
  'collection',
  'document',
  'message',
]);

const REQUEST_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH']);
/** Entries with these methods carry no resource (FHIR R4 §3.1.0.11.2, bdl-1 context). */
const METHODS_WITHOUT_RESOURCE: ReadonlySet<string> = new Set(['GET', 'HEAD', 'DELETE']);

export const FHIR_ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;
const URN_UUID_PREFIX = 'urn:uuid:';
const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export type JsonObject = Record<string, unknown>;

export interface CheckedEntry {
  readonly index: number;
  readonly resource: JsonObject | undefined;
}

export interface CheckedBundle {
  readonly root: JsonObject;
  readonly type: string;
  readonly entries: readonly CheckedEntry[];
  /** Every fullUrl of the Bundle, for resolving `urn:uuid:` references. */
  readonly fullUrls: ReadonlySet<string>;
}

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const invalid = (message: string, expression: string) => reject('invalid-fhir', message, { expression });

export function checkBundleRules(value: unknown): CheckedBundle {
  if (!isJsonObject(value) || value.resourceType !== 'Bundle') {
    throw invalid('The body is not a FHIR Bundle.', 'Bundle.resourceType');
  }
  const type = value.type;
  if (typeof type !== 'string' || !ACCEPTED_BUNDLE_TYPES.has(type)) {
    throw invalid(`Bundle.type must be one of ${[...ACCEPTED_BUNDLE_TYPES].join(', ')}.`, 'Bundle.type');
  }
  if (value.id !== undefined) checkId(value.id, 'Bundle.id');

  const rawEntries = value.entry ?? [];
  if (!Array.isArray(rawEntries)) throw invalid('Bundle.entry must be an array.', 'Bundle.entry');
  if (rawEntries.length > MAX_BUNDLE_ENTRIES) {
    throw reject('invalid-fhir', `Bundle has more than ${MAX_BUNDLE_ENTRIES} entries.`, {
      expression: 'Bundle.entry',
      limit: MAX_BUNDLE_ENTRIES,
    });
  }

  const needsRequest = type === 'transaction' || type === 'batch';
  const fullUrls = new Set<string>();
  const fullUrlVersions = new Set<string>();
  const entries: CheckedEntry[] = [];
  rawEntries.forEach((entry: unknown, index) => {
    const at = `Bundle.entry[${index}]`;
    if (!isJsonObject(entry)) throw invalid('Bundle entry must be an object.', at);
    const method = needsRequest ? checkRequest(entry.request, `${at}.request`) : undefined;
    const resource = checkEntryResource(entry.resource, `${at}.resource`, method);
    if (entry.fullUrl !== undefined) {
      const fullUrl = checkFullUrl(entry.fullUrl, `${at}.fullUrl`);
      // bdl-7: fullUrl is unique unless the entries are different versions of the same resource.
      const meta = resource?.meta;
      const versionId = isJsonObject(meta) && typeof meta.versionId === 'string' ? meta.versionId : '';
      const key = `${fullUrl}\u0000${versionId}`;
      if (fullUrlVersions.has(key)) {
        throw invalid('Bundle.entry.fullUrl must be unique (bdl-7).', `${at}.fullUrl`);
      }
      fullUrlVersions.add(key);
      fullUrls.add(fullUrl);
    }
    entries.push({ index, resource });
  });

  checkFirstEntry(type, entries);
  return { root: value, type, entries, fullUrls };
}

function checkRequest(request: unknown, at: string): string {
  if (!isJsonObject(request)) throw invalid('Transaction and batch entries need a request.', at);
  if (typeof request.method !== 'string' || !REQUEST_METHODS.has(request.method)) {
    throw invalid('Bundle.entry.request.method is missing or not an HTTP verb.', `${at}.method`);
  }
  if (typeof request.url !== 'string' || request.url.length === 0) {
    throw invalid('Bundle.entry.request.url is missing.', `${at}.url`);
  }
  return request.method;
}

function checkEntryResource(
  resource: unknown,
  at: string,
  method: string | undefined,
): JsonObject | undefined {
  if (resource === undefined && method !== undefined && METHODS_WITHOUT_RESOURCE.has(method)) {
    return undefined;
  }
  if (!isJsonObject(resource)) throw invalid('Bundle entry needs a resource.', at);
  if (typeof resource.resourceType !== 'string' || resource.resourceType.length === 0) {
    throw invalid('Bundle entry resource needs a resourceType.', `${at}.resourceType`);
  }
  if (resource.id !== undefined) checkId(resource.id, `${at}.id`);
  return resource;
}

function checkId(id: unknown, at: string): void {
  if (typeof id !== 'string' || !FHIR_ID_PATTERN.test(id)) {
    throw invalid('Resource id is not a valid FHIR id.', at);
  }
}

function checkFullUrl(fullUrl: unknown, at: string): string {
  if (typeof fullUrl !== 'string' || fullUrl.length === 0) throw invalid('fullUrl must be a URI.', at);
  if (fullUrl.startsWith(URN_UUID_PREFIX) && !UUID_PATTERN.test(fullUrl.slice(URN_UUID_PREFIX.length))) {
    throw invalid('A urn:uuid fullUrl must hold a valid UUID.', at);
  }
  return fullUrl;
}

/** bdl-11 and bdl-12: a document starts with its Composition, a message with its MessageHeader. */
function checkFirstEntry(type: string, entries: readonly CheckedEntry[]): void {
  const required = type === 'document' ? 'Composition' : type === 'message' ? 'MessageHeader' : undefined;
  if (required === undefined) return;
  if (entries[0]?.resource?.resourceType !== required) {
    throw invalid(`A ${type} Bundle must start with a ${required}.`, 'Bundle.entry[0].resource.resourceType');
  }
}
