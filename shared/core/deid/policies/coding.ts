import { type ElementPolicy, isJson, keptString, normalize, PASS } from './policy.js';

/**
 * Coding and CodeableConcept: codes stay. A display is kept only once it has been checked against the
 * record's identifiers (a display can hold a name); versions and systems are checked too.
 */
const display: ElementPolicy = (input, services) => keptString(input, services, 'display');
const version: ElementPolicy = (input, services) => keptString(input, services, 'check');
const system: ElementPolicy = (input, services) => keptString(input, services, 'check-context');

export const codingElementPolicies: Readonly<Record<string, ElementPolicy>> = { display, version, system };

/** A concept's text that repeats one of its codings' displays is a display; any other is free text. */
const conceptText: ElementPolicy = (input, services) => {
  const { value, siblings } = input;
  if (typeof value === 'string' && codingDisplays(siblings.coding).has(normalize(value))) {
    return keptString(input, services, 'display');
  }
  return PASS;
};

export const codeableConceptElementPolicies: Readonly<Record<string, ElementPolicy>> = { text: conceptText };

/** The normalized displays of a list of codings, or of extensions with a `valueCoding`. */
export function codingDisplays(value: unknown): ReadonlySet<string> {
  const displays = new Set<string>();
  if (!Array.isArray(value)) return displays;
  for (const item of value) {
    const coding = isJson(item) && isJson(item.valueCoding) ? item.valueCoding : item;
    if (isJson(coding) && typeof coding.display === 'string') displays.add(normalize(coding.display));
  }
  return displays;
}
