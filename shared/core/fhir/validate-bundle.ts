import { checkBundleRules } from './bundle-rules.js';
import { isSurelyValid, warmCompiledStructure } from './compiled-structure.js';
import { checkInternalReferences } from './internal-references.js';
import { checkNarratives } from './narrative.js';
import { checkRepeatedStrings } from './repeated-strings.js';
import { checkRequiredBindings } from './required-bindings.js';
import { validateR4Structure, warmFhirValidator as warmR4Definitions } from './structure-validator.js';

export { MAX_BUNDLE_ENTRIES } from './bundle-rules.js';
export { warmCompiledStructure } from './compiled-structure.js';
export { MAX_REPEATED_STRING_LENGTH } from './repeated-strings.js';

/**
 * Reads the R4 definitions and compiles the judge ahead of the first request (a Lambda's init phase,
 * the embedded host's start); memoized.
 */
export function warmFhirValidator(): void {
  warmR4Definitions();
  warmCompiledStructure();
}

export interface BundleSummary {
  readonly type: string;
  readonly entryCount: number;
  /** Top-level entry resources by resourceType (contained and nested resources are not counted). */
  readonly resourceCounts: Record<string, number>;
}

/**
 * The ingest door for `POST /v1/bundles`: `value` is the already-parsed JSON body. Throws
 * `invalid-fhir` with `details.expression` naming the element (never its value).
 * Cheap Bundle rules run first so abusive input is refused before the costly structural pass.
 * The compiled judge accepts the plain shape of real data in one walk; whatever it is not sure of
 * goes through every check below, in this order, and they make every refusal: a refusal is the same,
 * message and details, as without the judge (docs/fhir-validation.md).
 */
export function validateBundle(value: unknown): BundleSummary {
  const bundle = checkBundleRules(value);
  if (!isSurelyValid(bundle.root, 'Bundle')) {
    checkRepeatedStrings(bundle.root);
    validateR4Structure(bundle);
    checkRequiredBindings(bundle);
    // After the structural pass every key on a path is a known FHIR element name.
    checkInternalReferences(bundle);
    checkNarratives(bundle);
  }
  const counts = new Map<string, number>();
  for (const { resource } of bundle.entries) {
    const type = resource?.resourceType;
    if (typeof type === 'string') counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return { type: bundle.type, entryCount: bundle.entries.length, resourceCounts: Object.fromEntries(counts) };
}
