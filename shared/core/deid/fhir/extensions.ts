import { codingDisplays } from '../policies/coding.js';
import { isJson, type Json } from '../policies/policy.js';
import { allowAll } from '../selectors.js';
import { collectIdentifiers, noteOrganizationLinks } from './collect.js';
import { countRule, type Site, type WalkContext } from './context.js';
import { DATA_ABSENT_REASON } from './support.js';

/**
 * A list of extensions: only those the contract lists get through (and data-absent-reason, which the
 * walk itself writes); each is then walked like any element. `nested`: the extensions of an extension,
 * whose relative URLs name the parts of an allowed complex extension (`ombCategory`, `text`).
 */
export function walkExtensions(
  context: WalkContext,
  value: unknown,
  site: Site,
  nested: boolean,
): Json[] | undefined {
  const { path, frame } = site;
  if (!Array.isArray(value)) {
    countRule(context, frame, 'invalid-drop', path);
    return undefined;
  }
  const outerDisplays = context.neighbourDisplays;
  context.neighbourDisplays = nested ? codingDisplays(value) : undefined;
  const extensionSite: Site = { ...site, selector: allowAll('Extension') };
  const out: Json[] = [];
  for (const extension of value) {
    if (!isJson(extension) || typeof extension.url !== 'string') {
      countRule(context, frame, 'invalid-drop', path);
      continue;
    }
    noteOrganizationLinks(context.identifiers, extension);
    const partOfParent = nested && !extension.url.includes(':');
    if (
      !partOfParent &&
      !context.contract.extensions.has(extension.url) &&
      extension.url !== DATA_ABSENT_REASON
    ) {
      countRule(context, frame, 'extension-drop', path);
      collectIdentifiers(context.identifiers, extension);
      continue;
    }
    const walked = context.steps.object(context, extension, 'Extension', extensionSite);
    // An extension left with only its URL says nothing: it goes.
    if (walked !== undefined && (Object.keys(walked).length > 1 || !('url' in walked))) out.push(walked);
  }
  context.neighbourDisplays = outerDisplays;
  return out.length > 0 ? out : undefined;
}
