import { isJsonObject, type JsonObject } from './bundle-rules.js';

/**
 * The R4 invariants (FHIRPath `constraint.expression`) that real Bundles meet on their way through the
 * door, written as plain code for the compiled judge (compiled-structure.ts). Each is keyed by its key
 * AND its exact expression, so a changed definition is no longer matched and its element falls back
 * to the full validator. A check sees a value whose keys the judge will also check; it may return
 * false for anything unexpected (the full validator then decides), never true for a value the
 * Medplum FHIRPath engine would find false. test/unit/fhir-compiled-constraints.test.ts compares every
 * check with that engine.
 */

/** What an invariant may look at besides its own element: the resource it sits in and the root. */
export interface ConstraintScope {
  readonly resource: JsonObject;
  readonly root: JsonObject;
}

/** An R4 invariant as plain code, for values the compiled judge has already found well-formed. */
export type ConstraintCheck = (value: unknown, scope: ConstraintScope) => boolean;

/** Whether `node` has a key of the choice element `base[x]` (`valueString` for `value`). */
function hasChoice(node: JsonObject, base: string): boolean {
  for (const key in node) {
    if (key.length > base.length && key.startsWith(base)) {
      const next = key.charCodeAt(base.length);
      if (next >= 0x41 && next <= 0x5a) return true;
    }
  }
  return false;
}

const has = (node: JsonObject, key: string): boolean => node[key] !== undefined;

/** A check on an object value; anything else is left to the full validator. */
const onObject =
  (check: (node: JsonObject) => boolean): ConstraintCheck =>
  (value) =>
    isJsonObject(value) && check(value);

const nonNegativeIfPresent = (node: JsonObject, key: string): boolean =>
  !has(node, key) || (typeof node[key] === 'number' && (node[key] as number) >= 0);

const CALENDAR_EVENTS: ReadonlySet<unknown> = new Set(['C', 'CM', 'CD', 'CV']);

/**
 * ctm-1: `member.resolve()` as the Medplum engine resolves a reference without a server: its type is
 * the text before the first `?` or `/` of the reference; a reference with neither resolves to nothing.
 */
function memberIsPractitionerOrUnresolved(member: unknown): boolean {
  if (member === undefined) return true;
  if (!isJsonObject(member) || member.resource !== undefined) return false;
  let reference: string | undefined;
  if (typeof member.reference === 'string' && member.reference.length > 0) {
    reference = member.reference;
  } else if (member.reference !== undefined) {
    return false;
  } else if (member.type !== undefined || member.identifier !== undefined) {
    return false;
  }
  if (reference === undefined) return true;
  const separator = reference.includes('?') ? '?' : reference.includes('/') ? '/' : undefined;
  if (separator === undefined) return true;
  return reference.split(separator)[0] === 'Practitioner';
}

const ENTRIES: readonly (readonly [string, ConstraintCheck])[] = [
  [
    'ext-1|extension.exists() != value.exists()',
    onObject((n) => has(n, 'extension') !== hasChoice(n, 'value')),
  ],
  ["org-3|where(use = 'home').empty()", onObject((n) => n.use !== 'home')],
  ["org-2|where(use = 'home').empty()", onObject((n) => n.use !== 'home')],
  // Medplum's htmlChecks() is true for every input; the door's own narrative check runs separately.
  ['txt-1|htmlChecks()', () => true],
  ['txt-2|htmlChecks()', () => true],
  [
    'bdl-5|resource.exists() or request.exists() or response.exists()',
    onObject((n) => has(n, 'resource') || has(n, 'request') || has(n, 'response')),
  ],
  [
    "bdl-8|fullUrl.exists() implies fullUrl.contains('/_history/').not()",
    onObject(
      (n) => !has(n, 'fullUrl') || (typeof n.fullUrl === 'string' && !n.fullUrl.includes('/_history/')),
    ),
  ],
  [
    'tim-1|duration.empty() or durationUnit.exists()',
    onObject((n) => !has(n, 'duration') || has(n, 'durationUnit')),
  ],
  ['tim-2|period.empty() or periodUnit.exists()', onObject((n) => !has(n, 'period') || has(n, 'periodUnit'))],
  ['tim-4|duration.exists() implies duration >= 0', onObject((n) => nonNegativeIfPresent(n, 'duration'))],
  ['tim-5|period.exists() implies period >= 0', onObject((n) => nonNegativeIfPresent(n, 'period'))],
  ['tim-6|periodMax.empty() or period.exists()', onObject((n) => !has(n, 'periodMax') || has(n, 'period'))],
  [
    'tim-7|durationMax.empty() or duration.exists()',
    onObject((n) => !has(n, 'durationMax') || has(n, 'duration')),
  ],
  ['tim-8|countMax.empty() or count.exists()', onObject((n) => !has(n, 'countMax') || has(n, 'count'))],
  [
    "tim-9|offset.empty() or (when.exists() and when.select($this in ('C' | 'CM' | 'CD' | 'CV')).allFalse())",
    onObject(
      (n) =>
        !has(n, 'offset') ||
        (Array.isArray(n.when) &&
          n.when.length > 0 &&
          n.when.every((when) => typeof when === 'string' && !CALENDAR_EVENTS.has(when))),
    ),
  ],
  ['tim-10|timeOfDay.empty() or when.empty()', onObject((n) => !has(n, 'timeOfDay') || !has(n, 'when'))],
  [
    'ctm-1|onBehalfOf.exists() implies (member.resolve().iif(empty(), true, ofType(Practitioner).exists()))',
    onObject((n) => !has(n, 'onBehalfOf') || memberIsPractitionerOrUnresolved(n.member)),
  ],
  ['cpl-3|detail.empty() or reference.empty()', onObject((n) => !has(n, 'detail') || !has(n, 'reference'))],
  [
    'gol-1|(detail.exists() and measure.exists()) or detail.exists().not()',
    onObject((n) => !hasChoice(n, 'detail') || has(n, 'measure')),
  ],
  [
    'pat-1|name.exists() or telecom.exists() or address.exists() or organization.exists()',
    onObject((n) => has(n, 'name') || has(n, 'telecom') || has(n, 'address') || has(n, 'organization')),
  ],
  [
    'inv-1|(part.exists() and value.empty() and resource.empty()) or (part.empty() and (value.exists() xor resource.exists()))',
    onObject((n) =>
      has(n, 'part')
        ? !hasChoice(n, 'value') && !has(n, 'resource')
        : hasChoice(n, 'value') !== has(n, 'resource'),
    ),
  ],
  [
    'cmp-1|text.exists() or entry.exists() or section.exists()',
    onObject((n) => has(n, 'text') || has(n, 'entry') || has(n, 'section')),
  ],
  ['cmp-2|emptyReason.empty() or entry.empty()', onObject((n) => !has(n, 'emptyReason') || !has(n, 'entry'))],
  [
    'obs-3|low.exists() or high.exists() or text.exists()',
    onObject((n) => has(n, 'low') || has(n, 'high') || has(n, 'text')),
  ],
];

export const CONSTRAINT_CHECKS: ReadonlyMap<string, ConstraintCheck> = new Map(ENTRIES);

// ---- The Bundle's own invariants (checked on the root only, as the validator does) -----------------

const REQUEST_TYPES: ReadonlySet<unknown> = new Set(['batch', 'transaction', 'history']);
const RESPONSE_TYPES: ReadonlySet<unknown> = new Set(['batch-response', 'transaction-response', 'history']);

/** The Bundle invariants the R4 definitions declare, each an exact expression we have compiled. */
export type RootCheck = (root: JsonObject, entries: readonly JsonObject[]) => boolean;

export const BUNDLE_ROOT_CHECKS: ReadonlyMap<string, RootCheck> = new Map<string, RootCheck>([
  [
    "bdl-1|total.empty() or (type = 'searchset') or (type = 'history')",
    (b) => !has(b, 'total') || b.type === 'searchset' || b.type === 'history',
  ],
  [
    "bdl-2|entry.search.empty() or (type = 'searchset')",
    (b, entries) => b.type === 'searchset' || entries.every((entry) => !has(entry, 'search')),
  ],
  [
    "bdl-3|entry.all(request.exists() = (%resource.type = 'batch' or %resource.type = 'transaction' or %resource.type = 'history'))",
    (b, entries) => entries.every((entry) => has(entry, 'request') === REQUEST_TYPES.has(b.type)),
  ],
  [
    "bdl-4|entry.all(response.exists() = (%resource.type = 'batch-response' or %resource.type = 'transaction-response' or %resource.type = 'history'))",
    (b, entries) => entries.every((entry) => has(entry, 'response') === RESPONSE_TYPES.has(b.type)),
  ],
  [
    "bdl-7|(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId).isDistinct()",
    (b, entries) => b.type === 'history' || fullUrlsAreDistinct(entries),
  ],
  [
    "bdl-9|type = 'document' implies (identifier.system.exists() and identifier.value.exists())",
    (b) =>
      b.type !== 'document' ||
      (isJsonObject(b.identifier) && has(b.identifier, 'system') && has(b.identifier, 'value')),
  ],
  [
    "bdl-10|type = 'document' implies (timestamp.hasValue())",
    (b) => b.type !== 'document' || has(b, 'timestamp'),
  ],
  [
    "bdl-11|type = 'document' implies entry.first().resource.is(Composition)",
    (b, entries) => b.type !== 'document' || resourceTypeOf(entries[0]) === 'Composition',
  ],
  [
    "bdl-12|type = 'message' implies entry.first().resource.is(MessageHeader)",
    (b, entries) => b.type !== 'message' || resourceTypeOf(entries[0]) === 'MessageHeader',
  ],
]);

const resourceTypeOf = (entry: JsonObject | undefined): unknown =>
  entry !== undefined && isJsonObject(entry.resource) ? entry.resource.resourceType : undefined;

/** FHIRPath `&` joins with nothing between and reads a missing versionId as ''. */
function fullUrlsAreDistinct(entries: readonly JsonObject[]): boolean {
  const seen = new Set<string>();
  for (const entry of entries) {
    const fullUrl = entry.fullUrl;
    if (fullUrl === undefined) continue;
    if (typeof fullUrl !== 'string') return false;
    const resource = entry.resource;
    const meta = isJsonObject(resource) ? resource.meta : undefined;
    const versionId = isJsonObject(meta) ? meta.versionId : undefined;
    if (versionId !== undefined && typeof versionId !== 'string') return false;
    const joined = fullUrl + (versionId ?? '');
    if (seen.has(joined)) return false;
    seen.add(joined);
  }
  return true;
}
