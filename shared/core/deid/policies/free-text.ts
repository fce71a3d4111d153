import { invalid, keep, type Outcome, type PolicyInput, type PolicyServices, withheld } from './policy.js';

/** String elements that hold narrative text; scrubbed instead of dropped when the contract says so. */
export const FREE_TEXT: ReadonlySet<string> = new Set([
  'text',
  'description',
  'comment',
  'title',
  'summary',
  'conclusion',
  'note',
  'patientInstruction',
  'purpose',
  'value',
  'detail',
  'details',
  'instruction',
]);

/**
 * string, markdown: scrubbed (once the whole record's identifiers are known) when a rule or the
 * contract says so and they are free text; otherwise dropped, since any string may hold a name.
 */
export function freeTextPolicy(input: PolicyInput, services: PolicyServices): Outcome {
  const { value, place, modes } = input;
  if (typeof value !== 'string') return invalid(place, services);
  const narrative = input.valueType === 'markdown' || FREE_TEXT.has(input.elementName);
  if (modes.scrubAll || (modes.text === 'scrub' && narrative)) return keep(value, 'scrub');
  return withheld(place, services);
}
