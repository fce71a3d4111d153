/**
 * De-identified resources as FHIR `transaction` Bundles of `PUT Type/id` entries. A PUT to a known id
 * is an update-or-create on the server, so posting the same resources again (a retry, a replay)
 * leaves one copy of each: the pseudonymous ids are deterministic, so the ids are the same each time.
 * A resource without an id could only be POSTed (a create, duplicated by every retry), so it is
 * skipped and counted.
 */
type Json = Record<string, unknown>;

/** FHIR R4 `id`. */
const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface TransactionBundles {
  /** In input order; empty when there is nothing to send. */
  readonly bundles: Json[];
  /** Entries over all bundles. */
  readonly entries: number;
  /** Resources left out: no usable id, or the same `Type/id` as an earlier resource. */
  readonly skipped: number;
}

/**
 * Splits into Bundles of at most `maxEntries` entries (one Bundle when undefined). Each Bundle is
 * atomic on the server; references between resources in different Bundles are plain `Type/id`
 * references, so a server that checks references on write needs them in one Bundle.
 */
export function transactionBundles(resources: readonly Json[], maxEntries?: number): TransactionBundles {
  const entries: Json[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  for (const resource of resources) {
    const { resourceType, id } = resource;
    if (typeof resourceType !== 'string' || typeof id !== 'string' || !FHIR_ID.test(id)) {
      skipped++;
      continue;
    }
    const url = `${resourceType}/${id}`;
    if (seen.has(url)) {
      skipped++;
      continue;
    }
    seen.add(url);
    entries.push({
      ...(UUID.test(id) ? { fullUrl: `urn:uuid:${id}` } : {}),
      resource,
      request: { method: 'PUT', url },
    });
  }
  const size = maxEntries === undefined || maxEntries < 1 ? Math.max(1, entries.length) : maxEntries;
  const bundles: Json[] = [];
  for (let i = 0; i < entries.length; i += size) {
    bundles.push({ resourceType: 'Bundle', type: 'transaction', entry: entries.slice(i, i + size) });
  }
  return { bundles, entries: entries.length, skipped };
}
