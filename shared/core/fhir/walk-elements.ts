import { isJsonObject, type JsonObject } from './bundle-rules.js';

export interface ElementVisit {
  readonly node: JsonObject;
  /** FHIRPath-like location built from keys and array indexes. */
  readonly path: string;
}

/**
 * Visits every object below `root` (root included), depth-first, without recursion: depth is bounded
 * by the JSON parser, but an explicit stack cannot overflow whatever the caller passes. `visit`
 * returns a path to stop the walk with, or undefined to go on. A Bundle nested as a resource has
 * its own entries and reference scope; `skipNestedBundles` leaves it out.
 */
export function findInElements(
  root: JsonObject,
  rootPath: string,
  visit: (element: ElementVisit) => string | undefined,
  { skipNestedBundles = false }: { skipNestedBundles?: boolean } = {},
): string | undefined {
  const stack: Array<{ node: unknown; path: string }> = [{ node: root, path: rootPath }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, path } = item;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push({ node: node[i], path: `${path}[${i}]` });
      continue;
    }
    if (!isJsonObject(node)) continue;
    if (skipNestedBundles && node !== root && node.resourceType === 'Bundle') continue;
    const found = visit({ node, path });
    if (found !== undefined) return found;
    const keys = Object.keys(node);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      const child = node[key];
      if (typeof child === 'object' && child !== null) stack.push({ node: child, path: `${path}.${key}` });
    }
  }
  return undefined;
}
