import { type ElementPolicy, keptString, normalize, PASS, plainString, withheld } from './policy.js';

/**
 * Extension: which extensions get through is the contract's allow-list (the walker applies it); here
 * is what is left to decide per value. The URL names the extension and stays.
 */
const url: ElementPolicy = (input, services) => plainString(input, services);

/**
 * The `text` part of a coded extension (US Core race, ethnicity) is structured: it is kept as one of
 * its codings' displays or not at all, never scrubbed.
 */
const valueString: ElementPolicy = (input, services) => {
  const { value, siblings, neighbourDisplays, place } = input;
  if (siblings.url !== 'text' || neighbourDisplays === undefined) return PASS;
  if (typeof value === 'string' && neighbourDisplays.has(normalize(value))) {
    return keptString(input, services, 'display');
  }
  return withheld(place, services);
};

export const extensionElementPolicies: Readonly<Record<string, ElementPolicy>> = { url, valueString };
