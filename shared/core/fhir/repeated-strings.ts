import { reject } from '../errors.js';
import type { JsonObject } from './bundle-rules.js';
import { findInElements } from './walk-elements.js';

/**
 * The structural validator walks every string that is an array item (HumanName.given, Address.line,
 * Meta.profile, …) character by character, at a cost that grows faster than the string: one 4 MB
 * `given` costs about 19 s of CPU. Real repeated strings are short (Synthea's longest is 77
 * characters), so the door caps them before the validator runs; with the cap, a 5 MiB body of such
 * strings validates in under 2 s. Single-valued strings are not affected (FHIR caps them at 1 MB).
 */
export const MAX_REPEATED_STRING_LENGTH = 16_384;

const ENTRY_PATH = /^Bundle\.entry\[\d+\](\.resource)?/;

export function checkRepeatedStrings(bundle: JsonObject): void {
  const found = findInElements(bundle, 'Bundle', ({ node, path }) =>
    Object.values(node).some(hasLongItem) ? path : undefined,
  );
  if (found === undefined) return;
  // Only the entry index is reported: the keys below it have not been checked against R4 yet.
  throw reject(
    'invalid-fhir',
    `A repeated string element is longer than ${MAX_REPEATED_STRING_LENGTH} characters.`,
    {
      expression: ENTRY_PATH.exec(found)?.[0] ?? 'Bundle',
      limit: MAX_REPEATED_STRING_LENGTH,
    },
  );
}

const hasLongItem = (value: unknown): boolean =>
  Array.isArray(value) &&
  value.some((item) => typeof item === 'string' && item.length > MAX_REPEATED_STRING_LENGTH);
