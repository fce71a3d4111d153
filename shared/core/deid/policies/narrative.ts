import { DROP, type ElementPolicy, invalid, keep, type WholePolicy, withheld } from './policy.js';

/**
 * Narrative and Annotation: free text about the individual. Dropped whole unless the contract scrubs
 * free text; a narrative's XHTML is then scrubbed as text once the whole record is known.
 */
export const narrativePolicy: WholePolicy = ({ value, place, modes }, services) => {
  if (modes.text === 'drop' && !modes.scrubAll) {
    services.collect(value);
    withheld(place, services);
    return DROP;
  }
  return 'walk';
};

const div: ElementPolicy = ({ value, place }, services) =>
  typeof value === 'string' ? keep(value, 'scrub-div') : invalid(place, services);

export const narrativeElementPolicies: Readonly<Record<string, ElementPolicy>> = { div };
