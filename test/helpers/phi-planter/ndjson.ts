const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The Bundle's resources as a FHIR bulk-data NDJSON export would hold them: one resource per line,
 * references rewritten to `Type/id` (fullUrl, absolute and conditional references resolved within the
 * Bundle), `#contained` references untouched.
 */
export function bundleToNdjsonResources(bundle: Record<string, unknown>): Record<string, unknown>[] {
  const rawEntries: unknown[] = Array.isArray(bundle.entry) ? bundle.entry : [];
  const entries = rawEntries.filter(isObject);
  const byKey = new Map<string, string>();
  for (const entry of entries) {
    const resource = entry.resource;
    if (!isObject(resource) || typeof resource.id !== 'string') continue;
    const literal = `${String(resource.resourceType)}/${resource.id}`;
    if (typeof entry.fullUrl === 'string') byKey.set(entry.fullUrl, literal);
    byKey.set(literal, literal);
    for (const identifier of Array.isArray(resource.identifier) ? resource.identifier.filter(isObject) : []) {
      if (typeof identifier.value !== 'string') continue;
      const system = typeof identifier.system === 'string' ? identifier.system : '';
      byKey.set(`${String(resource.resourceType)}?identifier=${system}|${identifier.value}`, literal);
    }
  }
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (!isObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      out[key] =
        key === 'reference' && typeof child === 'string' ? (byKey.get(child) ?? child) : rewrite(child);
    }
    return out;
  };
  return entries
    .map((entry) => entry.resource)
    .filter(isObject)
    .map((resource) => rewrite(resource) as Record<string, unknown>);
}
