import { collectAddress } from '../policies/address.js';
import { collectHumanName } from '../policies/human-name.js';
import type { Json } from '../policies/policy.js';
import type { PhiContext } from '../scrubber.js';
import { PERSON_TYPES } from './support.js';

/**
 * Gathers the identifiers of a subtree that is dropped without a walk (an element the contract does
 * not list, an extension it does not allow, a resource of a type it drops), so that they are still
 * scrubbed from the free text the record keeps. Recognizes values by their shape, whatever their type.
 */
export function collectIdentifiers(identifiers: PhiContext, value: unknown, depth = 0): void {
  if (depth > 64 || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) collectIdentifiers(identifiers, item, depth + 1);
    return;
  }
  const node = value as Json;
  if (typeof node.family === 'string' || Array.isArray(node.given)) collectHumanName(node, identifiers);
  else if (Array.isArray(node.line) || typeof node.city === 'string') collectAddress(node, identifiers);
  else if (typeof node.value === 'string' && typeof node.system === 'string')
    identifiers.addIdentifier(node.value);
  if (PERSON_TYPES.has(String(node.resourceType)) && typeof node.id === 'string')
    identifiers.addIdentifier(node.id);
  // Displays are vouched for against the patient's own identity; a relative's is not enough.
  if (node.resourceType === 'Patient') identifiers.notePatient();
  if (
    typeof node.valueString === 'string' &&
    typeof node.url === 'string' &&
    node.url.endsWith('mothersMaidenName')
  ) {
    identifiers.addName(node.valueString);
  }
  for (const key in node) {
    const child = node[key];
    if (typeof child === 'object' && child !== null) collectIdentifiers(identifiers, child, depth + 1);
  }
}
