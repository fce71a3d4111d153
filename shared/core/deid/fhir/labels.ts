import { isJson, type Json } from '../policies/policy.js';
import type { Frame, WalkContext } from './context.js';
import { LABEL_BIT, LABELS, SECURITY_SYSTEM, securityLabel } from './support.js';

/** `meta` of a top-level resource: a version counter, the input's own v3 labels, ours, the tags. */
export function writeMeta(context: WalkContext, input: unknown, frame: Frame, meta: Json): void {
  const kept: Json[] = [];
  const seen = new Set<string>();
  if (isJson(input) && Array.isArray(input.security)) {
    for (const coding of input.security) {
      if (!isJson(coding) || typeof coding.system !== 'string' || typeof coding.code !== 'string') continue;
      if (!coding.system.startsWith('http://terminology.hl7.org/CodeSystem/v3-')) continue;
      const key = `${coding.system}|${coding.code}`;
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(coding.code) || seen.has(key)) continue;
      seen.add(key);
      kept.push({ system: coding.system, code: coding.code });
    }
  }
  // A version counter is not an identifier; bdl-7 needs it where one resource appears in two versions.
  if (
    isJson(input) &&
    typeof input.versionId === 'string' &&
    /^[A-Za-z0-9\-.]{1,64}$/.test(input.versionId)
  ) {
    meta.versionId = /^\d{1,6}$/.test(input.versionId)
      ? input.versionId
      : context.pseudonyms.token(input.versionId);
  }
  frame.meta = meta;
  frame.inputSecurity = kept;
  applyLabels(context, frame);
}

/** Adds a label earned after `meta` was written (by the post-pass). */
export function ensureLabel(context: WalkContext, frame: Frame, code: 'REDACTED'): void {
  const bit = LABEL_BIT[code] ?? 0;
  if ((frame.labels & bit) !== 0) return;
  frame.labels |= bit;
  applyLabels(context, frame);
}

/**
 * (Re)writes `meta.security` and `meta.tag` of a resource from its labels, in a fixed order: the
 * input's own v3 labels, then PSEUDED, REDACTED, ABSTRED. No empty arrays (FHIR forbids them).
 */
function applyLabels(context: WalkContext, frame: Frame): void {
  const meta = frame.meta;
  if (meta === undefined) return;
  const security = [...(frame.inputSecurity ?? [])];
  const present = new Set(security.map((c) => `${String(c.system)}|${String(c.code)}`));
  for (const [code] of LABELS) {
    if ((frame.labels & (LABEL_BIT[code] ?? 0)) !== 0 && !present.has(`${SECURITY_SYSTEM}|${code}`)) {
      security.push(securityLabel(code));
    }
  }
  delete meta.security;
  delete meta.tag;
  if (security.length > 0) meta.security = security;
  meta.tag = context.tags.map((tag) => ({ ...tag }));
}
