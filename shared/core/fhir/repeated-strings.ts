import { getAllDataTypes } from '@medplum/core';
import { reject } from '../errors.js';
import type { JsonObject } from './bundle-rules.js';
import { warmFhirValidator } from './structure-validator.js';
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
  const found = findInElements(bundle, 'Bundle', ({ node, path }) => {
    for (const [key, value] of Object.entries(node)) {
      const index = longItemIndex(value);
      if (index >= 0) return `${path}.${key}[${index}]`;
    }
    return undefined;
  });
  if (found === undefined) return;
  throw reject(
    'invalid-fhir',
    `A repeated string element is longer than ${MAX_REPEATED_STRING_LENGTH} characters.`,
    { expression: vocabularyExpression(found), limit: MAX_REPEATED_STRING_LENGTH },
  );
}

let vocabulary: Set<string> | undefined;

/**
 * The keys below the entry have not been checked against R4 yet, and an unknown key is submitted
 * content; the path keeps only steps whose names are R4 element names and stops at the first other.
 */
function vocabularyExpression(found: string): string {
  if (vocabulary === undefined) {
    warmFhirValidator();
    vocabulary = new Set(['resource']);
    for (const schema of Object.values(getAllDataTypes())) {
      for (const element of Object.keys(schema.elements ?? {})) vocabulary.add(element.replace(/\[x\]$/, ''));
    }
  }
  const entry = ENTRY_PATH.exec(found)?.[0];
  if (entry === undefined) return 'Bundle';
  const kept = [entry];
  for (const step of found.slice(entry.length).split('.').filter(Boolean)) {
    if (!vocabulary.has(step.replace(/(\[\d+\])+$/, ''))) break;
    kept.push(step);
  }
  return kept.join('.');
}

const longItemIndex = (value: unknown): number =>
  Array.isArray(value)
    ? value.findIndex((item) => typeof item === 'string' && item.length > MAX_REPEATED_STRING_LENGTH)
    : -1;
