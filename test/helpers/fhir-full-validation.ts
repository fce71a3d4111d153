import { isPipelineError } from '../../shared/core/errors.js';
import { checkBundleRules } from '../../shared/core/fhir/bundle-rules.js';
import { checkInternalReferences } from '../../shared/core/fhir/internal-references.js';
import { checkNarratives } from '../../shared/core/fhir/narrative.js';
import { checkRepeatedStrings } from '../../shared/core/fhir/repeated-strings.js';
import { checkRequiredBindings } from '../../shared/core/fhir/required-bindings.js';
import { validateR4Structure } from '../../shared/core/fhir/structure-validator.js';
import type { BundleSummary } from '../../shared/core/fhir/validate-bundle.js';

/**
 * The door's FHIR validation as it was before the compiled judge: every check, always, in order.
 * The test oracle for the judge: `validateBundle` must give the same answer on every input.
 */
export function fullValidateBundle(value: unknown): BundleSummary {
  const bundle = checkBundleRules(value);
  checkRepeatedStrings(bundle.root);
  validateR4Structure(bundle);
  checkRequiredBindings(bundle);
  checkInternalReferences(bundle);
  checkNarratives(bundle);
  const counts = new Map<string, number>();
  for (const { resource } of bundle.entries) {
    const type = resource?.resourceType;
    if (typeof type === 'string') counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return { type: bundle.type, entryCount: bundle.entries.length, resourceCounts: Object.fromEntries(counts) };
}

export type Verdict =
  | { readonly accepted: unknown }
  | { readonly code: string; readonly message: string; readonly details: unknown }
  | { readonly thrown: string };

/** The whole answer of a validator: its summary, or its refusal with message and details. */
export function verdictOf(validate: (value: unknown) => unknown, value: unknown): Verdict {
  try {
    return { accepted: validate(value) };
  } catch (error) {
    if (isPipelineError(error)) return { code: error.code, message: error.message, details: error.details };
    return { thrown: String(error) };
  }
}
