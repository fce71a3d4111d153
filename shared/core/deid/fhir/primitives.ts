import type { ElementDef, TypeDef } from '../model.js';
import {
  type DeferKind,
  DROP,
  isJson,
  type Json,
  type Outcome,
  type PolicyInput,
} from '../policies/policy.js';
import { decide, elementPolicyFor, type PlannedPolicies, valuePolicyFor } from '../policies/registry.js';
import { collectIdentifiers } from './collect.js';
import { childPath, countRule, type Frame, placeOf, type Site, type WalkContext } from './context.js';
import { walkExtensions } from './extensions.js';
import type { KeyStep } from './plan.js';

/** A primitive element of `holder` (one value or a list), with its `_key` extensions, into `out`. */
export function walkPrimitiveField(
  context: WalkContext,
  out: Json,
  holder: Json,
  key: string,
  element: ElementDef,
  holderType: string,
  site: Site,
  /** The element's policies, looked up once (plan.ts); without it, looked up here. */
  step?: KeyStep,
): number {
  const { path, frame } = site;
  const value = holder[key];
  const extensionKey = element.key === key ? element.extensionKey : `_${key}`;
  const extension = holder[extensionKey];
  const field: Field = {
    context,
    holder,
    holderType,
    key,
    element,
    site,
    place: placeOf(site),
    policies: step ?? {
      elementPolicy: elementPolicyFor(holderType, key),
      valuePolicy: valuePolicyFor(element.type),
    },
  };
  if (!element.repeats) {
    const outcome = decideValue(field, frame, value);
    if (outcome === DROP) {
      if (extension !== undefined) collectIdentifiers(context.identifiers, extension);
      return 0;
    }
    out[key] = outcome.value;
    if (outcome.defer !== undefined) context.postPass.add(out, key, outcome.defer, path, frame);
    if (extension !== undefined) {
      const extensionOut = primitiveExtensions(context, extension, site);
      if (extensionOut !== undefined) out[extensionKey] = extensionOut;
    }
    return 1;
  }
  if (!Array.isArray(value)) {
    countRule(context, frame, 'invalid-drop', path);
    return 0;
  }
  const extensions = Array.isArray(extension) ? extension : [];
  const values: unknown[] = [];
  const extensionsOut: (Json | null)[] = [];
  const deferred: [number, DeferKind][] = [];
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    const outcome = decideValue(field, frame, item);
    const itemExtension = extensions[i];
    const extensionOut =
      itemExtension === undefined || itemExtension === null
        ? null
        : (primitiveExtensions(context, itemExtension, site) ?? null);
    // A null with extensions keeps its place; a value that goes takes its extensions with it.
    if (outcome === DROP && (item !== null || extensionOut === null)) continue;
    if (outcome !== DROP && outcome.defer !== undefined) deferred.push([values.length, outcome.defer]);
    values.push(outcome === DROP ? null : outcome.value);
    extensionsOut.push(extensionOut);
  }
  if (values.length === 0) return 0;
  out[key] = values;
  for (const [i, kind] of deferred) context.postPass.add(values, i, kind, path, frame);
  if (extensionsOut.some((item) => item !== null)) out[extensionKey] = extensionsOut;
  return 1;
}

/** One primitive field being decided: what every value of it shares. */
interface Field {
  readonly context: WalkContext;
  readonly holder: Json;
  readonly holderType: string;
  readonly key: string;
  readonly element: ElementDef;
  readonly site: Site;
  readonly place: ReturnType<typeof placeOf>;
  readonly policies: PlannedPolicies;
}

function decideValue(field: Field, frame: Frame, item: unknown): Outcome {
  if (item === null) return DROP;
  const { context, site } = field;
  const input: PolicyInput = {
    value: item,
    type: field.holderType,
    element: field.key,
    elementName: field.element.name,
    valueType: field.element.type,
    place: field.place,
    patient: frame.scope.patient,
    siblings: field.holder,
    neighbourDisplays: context.neighbourDisplays,
    modes: site.modes,
  };
  return decide(input, context.services, field.policies);
}

/** `_x` with no `x`: keep its allowed extensions if `x` itself is allowed. */
export function extensionOnlyPrimitive(
  context: WalkContext,
  out: Json,
  key: string,
  value: unknown,
  definition: TypeDef,
  site: Site,
): number {
  const element = definition.elements.get(key.slice(1));
  if (element === undefined || !element.primitive || site.selector.child(element) === undefined) {
    collectIdentifiers(context.identifiers, value);
    return 0;
  }
  const elementSite = { ...site, path: childPath(context, site.path, element.key) };
  const extensions = element.repeats
    ? primitiveExtensionList(context, value, elementSite)
    : primitiveExtensions(context, value, elementSite);
  if (extensions === undefined) return 0;
  out[key] = extensions;
  if (element.repeats && Array.isArray(extensions)) out[element.key] = extensions.map(() => null);
  return 1;
}

/** The `_x` object of one primitive value: its allowed extensions, or nothing. */
function primitiveExtensions(context: WalkContext, value: unknown, site: Site): Json | undefined {
  if (!isJson(value)) return undefined;
  const extensionSite = { ...site, path: childPath(context, site.path, 'extension') };
  const extensions =
    value.extension === undefined
      ? undefined
      : walkExtensions(context, value.extension, extensionSite, false);
  return extensions === undefined ? undefined : { extension: extensions };
}

function primitiveExtensionList(
  context: WalkContext,
  value: unknown,
  site: Site,
): (Json | null)[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out = value.map((item) =>
    item === null ? null : (primitiveExtensions(context, item, site) ?? null),
  );
  return out.some((item) => item !== null) ? out : undefined;
}
