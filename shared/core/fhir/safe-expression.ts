/**
 * Element names in a path come from the submitted JSON keys, and an unknown key is submitted content
 * like any value. Only steps shaped like FHIR element names (with optional `[n]` indexes or the `[x]`
 * choice suffix) are kept; the path is cut at the first step that is not, so nothing a partner wrote
 * outside the FHIR vocabulary can reach an error message, a log or a response.
 */
const SAFE_STEP = /^[A-Za-z][A-Za-z0-9_]{0,63}(\[x\])?(\[\d{1,6}\])*$/;

export function safeExpression(path: string | undefined, fallback = 'Bundle'): string {
  if (path === undefined || path.length === 0) return fallback;
  const kept: string[] = [];
  for (const step of path.split('.')) {
    if (!SAFE_STEP.test(step)) break;
    kept.push(step);
  }
  return kept.length === 0 ? fallback : kept.join('.');
}
