import { isResourceType } from '../model.js';
import { hasAgeCode } from '../policies/age.js';
import { isJson, type Json } from '../policies/policy.js';
import { collectIdentifiers, noteOrganizationLinks } from './collect.js';
import { countRule, type Placement, type WalkContext } from './context.js';
import { modifiersAllowed, walkObject } from './elements.js';
import { writeMeta } from './labels.js';
import { newFrame, newScope } from './records.js';
import { AGE_CATEGORY_EXTENSION, DIRECTORY_TYPES, PERSON_TYPES } from './support.js';

/**
 * One resource: dropped whole if the contract does not list its type, otherwise walked with a
 * pseudonymous id (contained resources: a local id by position), and, at the top, `meta` with the
 * security labels its changes earned and the contract tag.
 */
export function walkResource(context: WalkContext, input: Json, placement: Placement): Json | undefined {
  const type = input.resourceType;
  const top = placement.kind === 'top';
  if (!isResourceType(type)) {
    context.report.resourceDropped('(unknown)');
    collectIdentifiers(context.identifiers, input);
    return undefined;
  }
  if (type === 'Bundle') return top ? context.steps.bundle(context, input) : undefined;
  const root = context.contract.selectors.root(type);
  if (root === undefined || !modifiersAllowed(context, input.modifierExtension)) {
    context.report.resourceDropped(type);
    collectIdentifiers(context.identifiers, input);
    return undefined;
  }
  const rawId = typeof input.id === 'string' ? input.id : undefined;
  const identity =
    (top ? placement.identity : undefined) ?? (rawId === undefined ? undefined : `${type}/${rawId}`);
  const scope = top ? newScope(context, input, identity, placement.base) : placement.container.scope;
  const localId = !top && rawId !== undefined ? scope.contained?.get(rawId) : undefined;
  if (!top && localId === undefined) {
    collectIdentifiers(context.identifiers, input);
    return undefined;
  }
  const ageObservation = type === 'Observation' && hasAgeCode(input.code);
  const frame = newFrame(context, scope, type, ageObservation, localId);
  if (top) scope.contained = containedIds(context, input.contained);
  if (PERSON_TYPES.has(type) && rawId !== undefined) context.identifiers.addIdentifier(rawId);
  // Displays are vouched for against the patient's own identity; a relative's is not enough.
  if (type === 'Patient') context.identifiers.notePatient();
  const fullUrl = top ? placement.fullUrl : undefined;
  noteOrganizationLinks(context.identifiers, input, [identity, fullUrl]);
  const modes = DIRECTORY_TYPES.has(type) ? context.directoryModes : context.baseModes;

  const out: Json = { resourceType: type };
  if (!top) {
    out.id = localId;
  } else if (identity !== undefined && rawId !== undefined) {
    out.id = context.pseudonyms.resourceUuid(identity);
    countRule(context, frame, 'pseudonymize', `${type}.id`);
  }
  const meta: Json = {};
  if (top) out.meta = meta;
  walkObject(context, input, type, { path: type, frame, modes, selector: root }, out);
  if (top && Array.isArray(out.contained)) {
    const used = out.contained.filter((c) => isJson(c) && scope.usedLocal?.has(String(c.id)) === true);
    if (used.length < out.contained.length) countRule(context, frame, 'contained-drop', `${type}.contained`);
    if (used.length > 0) out.contained = used;
    else delete out.contained;
  }
  // org-1: an Organization needs an identifier or a name; its name was free text, so it gets a
  // keyed pseudonymous identifier instead.
  if (
    type === 'Organization' &&
    out.identifier === undefined &&
    out.name === undefined &&
    identity !== undefined
  ) {
    out.identifier = [
      { system: context.services.pseudonymSystem, value: context.pseudonyms.token(identity) },
    ];
    countRule(context, frame, 'pseudonymize', 'Organization.identifier');
  }
  if (frame.age90 && type === 'Patient') {
    const extensions = Array.isArray(out.extension) ? out.extension : [];
    extensions.push({ url: AGE_CATEGORY_EXTENSION, valueCode: '90+' });
    out.extension = extensions;
  }
  if (top) {
    writeMeta(context, input.meta, frame, meta);
    scope.output = out;
  }
  return out;
}

/** Local ids for contained resources of kept types, by position: the originals may be identifiers. */
function containedIds(context: WalkContext, contained: unknown): Map<string, string> | undefined {
  if (!Array.isArray(contained)) return undefined;
  const ids = new Map<string, string>();
  let n = 0;
  for (const resource of contained) {
    if (!isJson(resource) || typeof resource.id !== 'string' || ids.has(resource.id)) continue;
    if (!isResourceType(resource.resourceType)) continue;
    if (context.contract.selectors.root(resource.resourceType) === undefined) continue;
    ids.set(resource.id, `c${++n}`);
  }
  return ids;
}
