/**
 * A de-identified Bundle's resources as NDJSON lines. Inside the Bundle, references to other entries
 * are `urn:uuid:<id>` (they resolve against the entries' fullUrls); NDJSON has no fullUrls, so each
 * such reference becomes `Type/<id>`: the entry's resource has that very id, since the engine gives an
 * entry the same keyed UUID as its id and its fullUrl. References to resources outside the Bundle are
 * already `Type/<id>` or conditional and are left alone.
 */
type Json = Record<string, unknown>;

const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function bundleResourcesForNdjson(bundle: Json): Json[] {
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  const literal = new Map<string, string>();
  const resources: Json[] = [];
  for (const entry of entries) {
    if (!isJson(entry) || !isJson(entry.resource)) continue;
    const resource = entry.resource;
    const fullUrl = typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined;
    if (fullUrl?.startsWith('urn:uuid:') === true && typeof resource.resourceType === 'string') {
      const id = fullUrl.slice('urn:uuid:'.length);
      // An entry known only by its fullUrl gets that UUID as its id, so NDJSON references reach it.
      if (resource.id === undefined) resource.id = id;
      if (resource.id === id) literal.set(fullUrl, `${resource.resourceType}/${id}`);
    }
    resources.push(resource);
  }
  if (literal.size > 0) for (const resource of resources) rewriteReferences(resource, literal);
  return resources;
}

function rewriteReferences(value: unknown, literal: ReadonlyMap<string, string>): void {
  if (Array.isArray(value)) {
    for (const item of value) rewriteReferences(item, literal);
    return;
  }
  if (!isJson(value)) return;
  for (const key in value) {
    const child = value[key];
    if (key === 'reference' && typeof child === 'string') {
      const replacement = literal.get(child);
      if (replacement !== undefined) value[key] = replacement;
    } else if (typeof child === 'object' && child !== null) {
      rewriteReferences(child, literal);
    }
  }
}
