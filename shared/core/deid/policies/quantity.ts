import { type ElementPolicy, keptString, plainString } from './policy.js';

/**
 * Quantities (and Age, Count, Distance, Duration): the unit is a display, the system a code system.
 * A unit is checked like a version (against the record's identifiers and PHI patterns); one that is
 * not its own code and reads like an address (words with a number: "42 Elm Street") is checked like
 * a code display, so it goes when the record names no patient to check it against.
 */
const unit: ElementPolicy = (input, services) =>
  keptString(input, services, addressLike(input.value, input.siblings.code) ? 'display' : 'check');

const addressLike = (value: unknown, code: unknown): boolean =>
  typeof value === 'string' &&
  value !== code &&
  /\d/.test(value) &&
  /\s/.test(value) &&
  /\p{L}{3}/u.test(value);

const system: ElementPolicy = (input, services) => plainString(input, services);

export const quantityElementPolicies: Readonly<Record<string, ElementPolicy>> = { unit, system };

export const QUANTITY_TYPES: readonly string[] = ['Quantity', 'Age', 'Count', 'Distance', 'Duration'];
