import type { ElementDef, TypeDef } from '../model.js';
import { DROP, isJson, type Json } from '../policies/policy.js';
import { afterPolicyFor, wholePolicyFor } from '../policies/registry.js';
import { collectIdentifiers } from './collect.js';
import { childPath, countRule, placeOf, type Site, type WalkContext } from './context.js';
import { walkExtensions } from './extensions.js';
import { type KeyStep, keyStep, objectPlan } from './plan.js';
import { extensionOnlyPrimitive, walkPrimitiveField } from './primitives.js';
import { DATA_ABSENT_REASON, withRule } from './support.js';

/**
 * The traversal: one type-directed pass over an object. Every key is looked up in the R4 model
 * (unknown keys go), then in the contract's selector trie (unlisted elements go), then handed to the
 * policy registry by its type, where the backstop lives: the profile's treatment of names, addresses,
 * telecom, identifiers, dates, free text, URLs, attachments and extensions applies wherever those
 * types occur, whatever the contract allowed.
 *
 * `into`: a resource's elements go straight into its output object (after resourceType, id and meta),
 * so that post-pass replacements of its own primitives land in the object that is returned.
 */
export function walkObject(
  context: WalkContext,
  input: Json,
  type: string,
  site: Site,
  into?: Json,
): Json | undefined {
  const { path, frame, modes } = site;
  if (type === 'Resource') return undefined;
  const plan = objectPlan(site.selector, type);
  const whole = wholePolicyFor(type);
  if (whole?.({ value: input, place: placeOf(site), modes }, context.services) === DROP) return undefined;
  const definition = plan.definition;
  if (definition === undefined) {
    countRule(context, frame, 'unknown-element', path);
    return undefined;
  }
  const resourceLevel = into !== undefined;
  if (
    !resourceLevel &&
    input.modifierExtension !== undefined &&
    !modifiersAllowed(context, input.modifierExtension)
  ) {
    collectIdentifiers(context.identifiers, input);
    countRule(context, frame, 'extension-drop', path);
    return undefined;
  }
  const out: Json = into ?? {};
  let kept = 0;
  for (const key in input) {
    const value = input[key];
    if (key.charCodeAt(0) === 95) {
      // `_x` without `x`: a primitive that has only extensions.
      if (!(key.slice(1) in input))
        kept += extensionOnlyPrimitive(context, out, key, value, definition, site);
      continue;
    }
    if (key === 'extension' || key === 'modifierExtension') {
      const extensionSite = { ...site, path: childPath(context, path, key) };
      const extensions = walkExtensions(context, value, extensionSite, type === 'Extension');
      if (extensions !== undefined) {
        out[key] = extensions;
        kept++;
      }
      continue;
    }
    if (resourceLevel && (key === 'resourceType' || key === 'id' || key === 'meta')) continue;
    const step = keyStep(plan, site.selector, type, key);
    if (step === undefined) {
      countRule(context, frame, 'unknown-element', path);
      collectIdentifiers(context.identifiers, value);
      continue;
    }
    if (key === 'id') continue; // Element.id: free text a partner may fill with anything
    kept += walkElement(context, out, input, type, step, site);
  }
  if (kept > 0) {
    // An Observation of the patient's age holds an Age in its Quantity.
    const valueType = frame.ageObservation && path === 'Observation.valueQuantity' ? 'Age' : type;
    afterPolicyFor(valueType)?.({ value: input, output: out, place: placeOf(site), modes }, context.services);
  }
  const oneOf = plan.oneOf;
  if (kept > 0 && oneOf !== undefined && !oneOf.some((key) => key in out)) {
    countRule(context, frame, 'backstop-drop', path);
    return undefined;
  }
  if (definition.required.length > 0) kept += addPlaceholders(context, out, input, definition, site);
  return kept === 0 ? undefined : out;
}

/**
 * One element of `holder` into `out`, as the contract's selector and rule for it say; 1 when
 * something was written.
 */
function walkElement(
  context: WalkContext,
  out: Json,
  holder: Json,
  holderType: string,
  step: KeyStep,
  site: Site,
): number {
  const { frame, modes } = site;
  const element = step.element;
  const key = element.key;
  const value = holder[key];
  const elementPath = childPath(context, site.path, key);
  const elementSelector = step.selector;
  if (elementSelector === undefined) {
    countRule(context, frame, 'deny', elementPath);
    collectIdentifiers(context.identifiers, value);
    return 0;
  }
  let elementModes = modes;
  const rule = elementSelector.rule;
  if (rule !== undefined) {
    if (rule.method === 'drop') {
      countRule(context, frame, 'drop', elementPath);
      collectIdentifiers(context.identifiers, value);
      return 0;
    }
    if (rule.method === 'substitute') {
      out[key] = structuredClone(rule.value);
      countRule(context, frame, 'substitute', elementPath);
      return 1;
    }
    elementModes = withRule(modes, rule, element.primitive);
  }
  const elementSite: Site = { path: elementPath, frame, modes: elementModes, selector: elementSelector };
  if (element.primitive)
    return walkPrimitiveField(context, out, holder, key, element, holderType, elementSite, step);
  if (element.repeats) {
    if (!Array.isArray(value)) {
      countRule(context, frame, 'invalid-drop', elementPath);
      return 0;
    }
    const items: Json[] = [];
    for (const item of value) {
      const walked = isJson(item) ? walkComplex(context, item, element, elementSite) : undefined;
      if (walked !== undefined) items.push(walked);
    }
    if (items.length === 0) return 0;
    out[key] = items;
    return 1;
  }
  if (!isJson(value)) {
    countRule(context, frame, 'invalid-drop', elementPath);
    return 0;
  }
  const walked = walkComplex(context, value, element, elementSite);
  if (walked === undefined) return 0;
  out[key] = walked;
  return 1;
}

/** A complex element: a datatype or backbone element, or a contained resource. */
function walkComplex(context: WalkContext, value: Json, element: ElementDef, site: Site): Json | undefined {
  if (element.type === 'Resource') {
    if (element.name !== 'contained') {
      countRule(context, site.frame, 'deny', site.path);
      collectIdentifiers(context.identifiers, value);
      return undefined;
    }
    return context.steps.resource(context, value, { kind: 'contained', container: site.frame });
  }
  return walkObject(context, value, element.type, site);
}

/** Required elements that were in the input but not in the output get a data-absent-reason. */
function addPlaceholders(
  context: WalkContext,
  out: Json,
  input: Json,
  definition: TypeDef,
  { path, frame }: Site,
): number {
  let added = 0;
  for (const variants of definition.requiredVariants) {
    let inOutput = false;
    let inInput: ElementDef | undefined;
    for (const variant of variants) {
      if (variant.key in out || variant.extensionKey in out) inOutput = true;
      if (inInput === undefined && (variant.key in input || variant.extensionKey in input)) inInput = variant;
    }
    if (inOutput || inInput === undefined) continue;
    const absent = { extension: [{ url: DATA_ABSENT_REASON, valueCode: 'masked' }] };
    if (inInput.primitive) {
      if (inInput.repeats) {
        out[inInput.key] = [null];
        out[inInput.extensionKey] = [absent];
      } else {
        out[inInput.extensionKey] = absent;
      }
    } else {
      out[inInput.key] = inInput.repeats ? [absent] : absent;
    }
    countRule(context, frame, 'data-absent', `${path}.${inInput.key}`);
    added++;
  }
  return added;
}

/** A modifier extension changes the meaning of what holds it: unless allowed, the holder goes. */
export function modifiersAllowed(context: WalkContext, modifiers: unknown): boolean {
  if (modifiers === undefined) return true;
  if (!Array.isArray(modifiers)) return false;
  return modifiers.every(
    (modifier) =>
      isJson(modifier) && typeof modifier.url === 'string' && context.contract.extensions.has(modifier.url),
  );
}
