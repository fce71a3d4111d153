/**
 * The compiled judge (shared/core/fhir/compiled-structure.ts) against the full validators it stands in
 * front of (test/helpers/fhir-full-validation.ts, the door as it was): on every corpus Bundle, every
 * sample, and a few thousand seeded mutants of real entries (required elements deleted, wrong JSON
 * types, unknown and primitive-extension keys, bad codes, broken invariants, nulls, empties, deep
 * nesting, `__proto__` keys, long and huge arrays), `validateBundle` gives the same answer, summary or
 * refusal with the same message and details.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkBundleRules } from '../../shared/core/fhir/bundle-rules.js';
import { isSurelyValid } from '../../shared/core/fhir/compiled-structure.js';
import { validateBundle, warmCompiledStructure } from '../../shared/core/fhir/validate-bundle.js';
import { fullValidateBundle, verdictOf } from '../helpers/fhir-full-validation.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS = path.resolve(REPO_ROOT, '../shared/corpus/fhir');

type Json = Record<string, unknown>;

function jsonFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return jsonFiles(full);
      return name.endsWith('.json') ? [full] : [];
    });
}

const corpusFiles = jsonFiles(CORPUS);
const sampleFiles = [
  ...jsonFiles(path.join(REPO_ROOT, 'samples/fhir')),
  ...jsonFiles(path.join(REPO_ROOT, 'test/golden/deid')),
];
const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

/** Same verdict from the door and from the full validators alone; returns whether it accepted. */
function expectSameVerdict(value: unknown, label: string): boolean {
  const expected = verdictOf(fullValidateBundle, value);
  const actual = verdictOf(validateBundle, value);
  expect(actual, label).toEqual(expected);
  if (isObject(value) && !('accepted' in expected) && passesBundleRules(value)) {
    // Whatever the door refuses after its Bundle rules, the judge was never sure of.
    expect(isSurelyValid(value, 'Bundle'), `${label}: judge sure of a refused Bundle`).toBe(false);
  }
  return 'accepted' in expected;
}

function passesBundleRules(value: unknown): boolean {
  try {
    checkBundleRules(value);
    return true;
  } catch {
    return false;
  }
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// ---- Seeded mutation ---------------------------------------------------------------------------

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const clone = <T>(value: T): T => structuredClone(value);

interface Site {
  readonly parent: Json | unknown[];
  readonly key: string | number;
}

/** Every place a value sits below `root`. */
function sites(root: unknown): Site[] {
  const found: Site[] = [];
  const stack: unknown[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        found.push({ parent: node, key: index });
        if (typeof item === 'object' && item !== null) stack.push(item);
      });
    } else if (isObject(node)) {
      for (const [key, item] of Object.entries(node)) {
        found.push({ parent: node, key });
        if (typeof item === 'object' && item !== null) stack.push(item);
      }
    }
  }
  return found;
}

const LONG = 'x'.repeat(20_000);
const VALUE_POOL: readonly unknown[] = [
  null,
  '',
  ' ',
  '  a',
  0,
  -1,
  1.5,
  1e21,
  true,
  false,
  'x y',
  'x  y',
  '2020-13-01',
  '2020-01-01',
  '2020-01-01T10:00:00Z',
  'nonsense',
  'home',
  'final',
  'unknown',
  'C',
  {},
  [],
  [null],
  ['a'],
  [{}],
  { a: 1 },
  { url: 'http://example.org/x', valueString: 'a' },
  { url: 'http://example.org/x', extension: [{ url: 'a', valueString: 'b' }], valueString: 'a' },
  { reference: 'Practitioner/1' },
  { reference: 'http://example.org/fhir/Practitioner/1' },
  { reference: 'Patient/1' },
  { reference: 'urn:uuid:not-a-uuid' },
  { reference: 'urn:uuid:6f1c2a3b-1111-4222-8333-944455556666' },
  { system: 'http://loinc.org', code: '8867-4' },
  { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">ok</div>' },
  { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><script>x</script></div>' },
  { value: 1, unit: 'mg', comparator: '<<' },
  { resourceType: 'Patient', id: 'p1' },
  { resourceType: 'HumanName', family: 'x' },
  { resourceType: 'NoSuchType' },
  LONG,
  [LONG],
  Array.from({ length: 3000 }, (_, i) => `g${i}`),
  'urn:uuid:not-a-uuid',
  'urn:uuid:6f1c2a3b-1111-4222-8333-944455556666',
  'Practitioner/1',
  'http://example.org/_history/1',
  '<div xmlns="http://www.w3.org/1999/xhtml"><a href="javascript:x">y</a></div>',
];

const KEY_POOL: readonly string[] = [
  'foo',
  'valueFoo',
  'valueString',
  'valueQuantity',
  'valueBoolean',
  '_given',
  '_family',
  '_gender',
  '_valueString',
  'resourceType',
  'length',
  'extension',
  'modifierExtension',
  'id',
  'text',
  'contained',
  'onBehalfOf',
  'total',
  'search',
  'response',
  'request',
  'use',
  'status',
  'offset',
  'when',
  'durationMax',
  'period',
  'low',
  'emptyReason',
  'part',
  'resource',
  'reference',
  'div',
  '__proto__',
  'constructor',
  'prototype',
  'detailString',
  'measure',
];

const pick = <T>(random: () => number, list: readonly T[]): T =>
  list[Math.floor(random() * list.length)] as T;

/** Sets a key as an own property, `__proto__` included (as JSON.parse would). */
function setOwn(target: Json, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function mutate(base: Json, random: () => number): Json {
  const value = clone(base);
  const rounds = 1 + Math.floor(random() * 2);
  for (let round = 0; round < rounds; round++) {
    const all = sites(value);
    const site = pick(random, all);
    const current = (site.parent as Record<string | number, unknown>)[site.key];
    const operation = Math.floor(random() * 9);
    const parent = site.parent as Record<string | number, unknown>;
    switch (operation) {
      case 0: // delete an element (required ones included)
        if (Array.isArray(site.parent)) site.parent.splice(site.key as number, 1);
        else delete parent[site.key];
        break;
      case 1: // another value, often of the wrong JSON type
      case 2:
        parent[site.key] = clone(pick(random, VALUE_POOL));
        break;
      case 3: {
        // a key added to an object
        const target = isObject(current) ? current : isObject(site.parent) ? site.parent : undefined;
        if (target !== undefined) setOwn(target, pick(random, KEY_POOL), clone(pick(random, VALUE_POOL)));
        break;
      }
      case 4: // an array where one value belongs, or one value where an array belongs
        parent[site.key] = Array.isArray(current) ? current[0] : [current];
        break;
      case 5: // a key renamed (choice types swapped, typos)
        if (!Array.isArray(site.parent) && typeof site.key === 'string') {
          const renamed = pick(random, [
            ...KEY_POOL,
            site.key.replace(/[A-Z].*$/, 'String'),
            site.key.replace(/[A-Z].*$/, 'Quantity'),
            `${site.key}x`,
          ]);
          delete parent[site.key];
          setOwn(site.parent as Json, renamed, current);
        }
        break;
      case 6: // repeated values
        if (Array.isArray(current)) for (let i = 0; i < 3; i++) current.push(clone(current[0]));
        else parent[site.key] = [current, clone(current)];
        break;
      case 7: // a string that breaks its format
        if (typeof current === 'string')
          parent[site.key] = pick(random, [
            `${current} `,
            ` ${current}`,
            `${current}\u0000`,
            `${current}  x`,
            current.toUpperCase(),
            `${current}/_history/1`,
          ]);
        else if (typeof current === 'number')
          parent[site.key] = pick(random, [-current, current + 0.5, 0, String(current)]);
        break;
      default: {
        // deep nesting of extensions
        const depth = pick(random, [3, 40, 300]);
        let extension: Json = { url: 'http://example.org/leaf', valueString: 'x' };
        for (let i = 0; i < depth; i++) extension = { url: 'http://example.org/n', extension: [extension] };
        const target = isObject(current) ? current : isObject(site.parent) ? site.parent : undefined;
        if (target !== undefined) target.extension = [extension];
      }
    }
  }
  return value;
}

/** One entry of each resource type found in the corpus: small Bundles of real, varied content. */
function entriesByType(bundles: readonly unknown[]): Json[] {
  const byType = new Map<string, Json>();
  for (const bundle of bundles) {
    if (!isObject(bundle) || bundle.type !== 'transaction' || !Array.isArray(bundle.entry)) continue;
    for (const entry of bundle.entry) {
      const type = isObject(entry) && isObject(entry.resource) ? entry.resource.resourceType : undefined;
      if (typeof type === 'string' && !byType.has(type)) byType.set(type, entry);
    }
  }
  return [...byType.values()];
}

describe('Function: validateBundle with the compiled judge', () => {
  const corpus = corpusFiles.map(readJson);
  const entries = entriesByType(corpus);

  beforeAll(() => {
    warmCompiledStructure();
  });

  describe.skipIf(corpusFiles.length === 0)('the FHIR corpus', () => {
    it.each(corpusFiles.map((file) => [path.relative(CORPUS, file), file]))(
      'gives the verdict of the full validators on %s',
      (_name, file) => {
        expectSameVerdict(readJson(file), file);
      },
    );

    it('is sure of every Synthea Bundle (the fast path is taken on real data)', () => {
      const synthea = corpusFiles.filter((file) => file.includes('synthea'));
      expect(synthea.length).toBeGreaterThan(10);
      for (const file of synthea) expect(isSurelyValid(readJson(file) as Json, 'Bundle'), file).toBe(true);
    });
  });

  it('gives the verdict of the full validators on the samples and golden inputs', () => {
    expect(sampleFiles.length).toBeGreaterThan(0);
    for (const file of sampleFiles) expectSameVerdict(readJson(file), file);
  });

  describe.skipIf(entries.length < 10)('seeded mutants of real entries', () => {
    const chunks = [0, 1, 2, 3];
    it.each(chunks)('gives the verdict of the full validators on mutants, chunk %i', (chunk) => {
      const random = prng(0x5eed + chunk);
      let accepted = 0;
      let refused = 0;
      for (let i = 0; i < 250; i++) {
        // A handful of entries per Bundle keeps each full validation short.
        const picked = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
          clone(pick(random, entries)),
        );
        const seen = new Set<unknown>();
        const unique = picked.filter((entry) => !seen.has(entry.fullUrl) && seen.add(entry.fullUrl));
        const base: Json = { resourceType: 'Bundle', type: 'transaction', entry: unique };
        if (expectSameVerdict(mutate(base, random), `chunk ${chunk} mutant ${i}`)) accepted++;
        else refused++;
      }
      // Both kinds occur, so the comparison means something either way.
      expect(accepted).toBeGreaterThan(20);
      expect(refused).toBeGreaterThan(20);
    });

    it('gives the verdict of the full validators on every entry, alone', () => {
      for (const entry of entries) {
        expectSameVerdict(
          { resourceType: 'Bundle', type: 'transaction', entry: [entry] },
          String(entry.fullUrl),
        );
      }
    });
  });
});
