import { collectAddress } from '../policies/address.js';
import { collectHumanName } from '../policies/human-name.js';
import { isJson, type Json } from '../policies/policy.js';
import { institutionalContact, type PhiContext, referenceKey } from '../scrubber.js';
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
  noteOrganizationLinks(identifiers, node);
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

/**
 * Organisations tied to the individual, whose names identify them (HIPAA Safe Harbor names the
 * individual's employers, relatives and household): the organisation of a Patient contact (an
 * employer, `E`, or any contact but an insurer or agency), one named by an employer extension (ODH
 * `odh-Employer-extension`, or any extension whose URL says `employer`), the policy holder of a
 * Coverage (an employer's group plan). A provider (managingOrganization, a performer) or a payor is
 * not: its name stays out. Organizations themselves are noted under their keys, so a tie made
 * before or after the Organization is seen resolves to its names. One node, not its children.
 */
export function noteOrganizationLinks(
  identifiers: PhiContext,
  node: Json,
  references?: readonly (string | undefined)[],
): void {
  const type = node.resourceType;
  if (type === 'Organization') {
    const names: string[] = [];
    if (typeof node.name === 'string') names.push(node.name);
    if (Array.isArray(node.alias))
      for (const alias of node.alias) if (typeof alias === 'string') names.push(alias);
    const id = typeof node.id === 'string' ? node.id : undefined;
    const all = [
      ...(references ?? []),
      ...(id === undefined ? [] : [`Organization/${id}`, `#${id}`, `urn:uuid:${id}`]),
    ]
      .map((reference) => (reference === undefined ? undefined : referenceKey(reference)))
      .filter((key): key is string => key !== undefined);
    if (names.length > 0) identifiers.noteOrganization(all, names);
  } else if (type === 'Patient' && Array.isArray(node.contact)) {
    for (const contact of node.contact) {
      if (!isJson(contact) || !isJson(contact.organization) || institutionalContact(contact.relationship))
        continue;
      tie(identifiers, contact.organization);
    }
  } else if (type === 'Coverage' && isJson(node.policyHolder)) {
    tie(identifiers, node.policyHolder);
  }
  if (typeof node.url === 'string' && /employer/i.test(node.url)) {
    if (isJson(node.valueReference)) tie(identifiers, node.valueReference);
    if (typeof node.valueString === 'string') identifiers.addOrganization(node.valueString);
  }
}

function tie(identifiers: PhiContext, reference: Json): void {
  if (typeof reference.reference === 'string') identifiers.tieOrganization(reference.reference);
  if (typeof reference.display === 'string') identifiers.addOrganization(reference.display);
}
