import type { ElementDef, TypeDef } from '../model.js';
import {
  type DeferKind,
  DROP,
  isJson,
  type Json,
  type Outcome,
  type PolicyInput,
} from '../policies/policy.js';
import { decide } from '../policies/registry.js';
import { collectIdentifiers } from './collect.js';
import { childPath, countRule, placeOf, type Site, type WalkContext } from './context.js';
import { walkExtensions } from './extensions.js';

/** A primitive element of `holder` (one value or a list), with its `_key` extensions, into `out`. */
export function walkPrimitiveField(
  context: WalkContext,
  out: Json,
  holder: Json,
  key: string,
  element: ElementDef,
  holderType: string,
  site: Site,
): number {
  const { path, frame } = site;
  const value = holder[key];
  const extensionKey = element.key === key ? element.extensionKey : `_${key}`;
  const extension = holder[extensionKey];
  const place = placeOf(site);
  const decideValue = (item: unknown): Outcome => {
    if (item === null) return DROP;
    const input: PolicyInput = {
      value: item,
      type: holderType,
      element: key,
      elementName: element.name,
      valueType: element.type,
      place,
      patient: frame.scope.patient,
      siblings: holder,
      neighbourDisplays: context.neighbourDisplays,
      modes: site.modes,
    };
    return decide(input, context.services);
  };
  if (!element.repeats) {
    const outcome = decideValue(value);
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
  value.forEach((item, i) => {
    const outcome = decideValue(item);
    const itemExtension = extensions[i];
    const extensionOut =
      itemExtension === undefined || itemExtension === null
        ? null
        : (primitiveExtensions(context, itemExtension, site) ?? null);
    // A null with extensions keeps its place; a value that goes takes its extensions with it.
    if (outcome === DROP && (item !== null || extensionOut === null)) return;
    if (outcome !== DROP && outcome.defer !== undefined) deferred.push([values.length, outcome.defer]);
    values.push(outcome === DROP ? null : outcome.value);
    extensionsOut.push(extensionOut);
  });
  if (values.length === 0) return 0;
  out[key] = values;
  for (const [i, kind] of deferred) context.postPass.add(values, i, kind, path, frame);
  if (extensionsOut.some((item) => item !== null)) out[extensionKey] = extensionsOut;
  return 1;
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
