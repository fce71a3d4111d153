import { type ElementPolicy, invalid, keep, type WholePolicy, withheld } from './policy.js';

/**
 * Identifier (MRN, member id, SSN): its value is remembered for scrubbing free text. It is released
 * only as a keyed pseudonym, and only where the contract or the resource (a provider directory) says
 * so; the pseudonym keeps the original system apart, under one pseudonym system for the key.
 */
export const identifierPolicy: WholePolicy = ({ value }, services) => {
  if (typeof value.value === 'string') services.identifiers.addIdentifier(value.value);
  return 'walk';
};

const identifierPart: ElementPolicy = ({ value, element, siblings, place, modes }, services) => {
  if (typeof value !== 'string') return invalid(place, services);
  if (modes.identifiers !== 'pseudonymize' || typeof siblings.value !== 'string') {
    return withheld(place, services);
  }
  services.count('pseudonymize', place);
  if (element === 'system') return keep(services.pseudonymSystem);
  const system = typeof siblings.system === 'string' ? siblings.system : '';
  return keep(services.pseudonyms.identifierValue(system, value));
};

export const identifierElementPolicies: Readonly<Record<string, ElementPolicy>> = {
  value: identifierPart,
  system: identifierPart,
};
