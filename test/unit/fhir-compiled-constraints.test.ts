/**
 * Each R4 invariant the compiled judge checks as code (shared/core/fhir/compiled-constraints.ts) against
 * the Medplum FHIRPath engine the full validator runs: over every combination of the elements the
 * expression names (absent, or one of several values), the code never says true where the engine does
 * not. False where the engine says true is allowed (the full validator then decides) but must be rare.
 */
import {
  evalFhirPathTyped,
  getAllDataTypes,
  type InternalSchemaElement,
  type TypedValue,
  toTypedValue,
} from '@medplum/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BUNDLE_ROOT_CHECKS,
  CONSTRAINT_CHECKS,
  type ConstraintCheck,
} from '../../shared/core/fhir/compiled-constraints.js';
import { warmFhirValidator } from '../../shared/core/fhir/validate-bundle.js';

type Json = Record<string, unknown>;

beforeAll(() => warmFhirValidator());

/** Where an invariant is declared: the type of the values it is checked on. */
function carriers(): Map<string, { typeName: string; elements: Record<string, InternalSchemaElement> }> {
  warmFhirValidator();
  const found = new Map<string, { typeName: string; elements: Record<string, InternalSchemaElement> }>();
  for (const schema of Object.values(getAllDataTypes())) {
    for (const element of Object.values(schema.elements)) {
      for (const constraint of element.constraints ?? []) {
        const key = `${constraint.key}|${constraint.expression}`;
        const typeName = element.type[0]?.code;
        if (!CONSTRAINT_CHECKS.has(key) || found.has(key) || typeName === undefined) continue;
        const target = getAllDataTypes()[typeName];
        if (target !== undefined) found.set(key, { typeName, elements: target.elements });
      }
    }
  }
  return found;
}

const REFERENCES: readonly Json[] = [
  { reference: 'Practitioner/1' },
  { reference: 'Patient/1' },
  { reference: 'urn:uuid:6f1c2a3b-1111-4222-8333-944455556666' },
  { reference: 'http://example.org/fhir/Practitioner/1' },
  { reference: 'Practitioner?identifier=x|1' },
  { type: 'Practitioner', identifier: { system: 'x', value: '1' } },
  { display: 'somebody' },
];

/** A few values of an element's type, chosen to make the invariants differ. */
function samplesFor(element: InternalSchemaElement, typeCode: string): unknown[] {
  const one = (): unknown[] => {
    switch (typeCode) {
      case 'code':
      case 'string':
      case 'uri':
      case 'markdown':
        return ['home', 'C', 'work', 'CM', 'http://a.org/Patient/1/_history/1'];
      case 'decimal':
      case 'integer':
      case 'unsignedInt':
      case 'positiveInt':
        return [-1, 0, 2.5];
      case 'boolean':
        return [true, false];
      case 'time':
        return ['10:00:00'];
      case 'Reference':
        return [...REFERENCES];
      case 'Narrative':
        return [{ status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' }];
      default:
        return [{ id: 'a' }];
    }
  };
  return element.isArray ? one().map((value) => [value]) : one();
}

/** The JSON keys and sample values of each element an expression names. */
function dimensions(
  expression: string,
  elements: Record<string, InternalSchemaElement>,
): [string[], unknown[]][] {
  const names = new Set(expression.match(/[A-Za-z]+/g) ?? []);
  const found: [string[], unknown[]][] = [];
  for (const [key, element] of Object.entries(elements)) {
    const base = key.replace('[x]', '');
    if (!names.has(base) || key === 'id') continue;
    if (key.endsWith('[x]')) {
      // A choice: one key per type, a couple of types are enough.
      for (const type of element.type.slice(0, 2)) {
        const jsonKey = base + type.code.charAt(0).toUpperCase() + type.code.slice(1);
        found.push([[jsonKey], samplesFor({ ...element, isArray: false }, type.code).slice(0, 1)]);
      }
    } else {
      found.push([[key], samplesFor(element, element.type[0]?.code ?? 'string')]);
    }
  }
  return found;
}

/** Every combination (absent or one sample per dimension), capped by a seeded choice. */
function combinations(dims: [string[], unknown[]][], limit = 3000): Json[] {
  let results: Json[] = [{}];
  for (const [[key], values] of dims) {
    const next: Json[] = [];
    for (const partial of results) {
      next.push(partial);
      for (const value of values) next.push({ ...partial, [key as string]: value });
    }
    results = next.length > limit ? next.filter((_, i) => i % Math.ceil(next.length / limit) === 0) : next;
  }
  return results;
}

function engineSays(expression: string, value: TypedValue, resource: Json): boolean {
  const result = evalFhirPathTyped(expression, [value], {
    '%context': value,
    '%resource': toTypedValue(resource),
    '%rootResource': toTypedValue(resource),
  });
  return result.length === 1 && result[0]?.value === true;
}

describe('Compiled invariants', () => {
  const found = carriers();

  it('every compiled invariant is declared somewhere in the R4 definitions', () => {
    const missing = [...CONSTRAINT_CHECKS.keys()].filter((key) => !found.has(key) && !key.startsWith('txt-'));
    expect(missing).toEqual([]);
  });

  it.each([...found.entries()].map(([key, carrier]) => [key.split('|')[0], key, carrier]))(
    '%s never holds where the FHIRPath engine says it does not',
    (_name, key, carrier) => {
      const check = CONSTRAINT_CHECKS.get(key as string) as ConstraintCheck;
      const expression = (key as string).slice((key as string).indexOf('|') + 1);
      const { typeName, elements } = carrier as {
        typeName: string;
        elements: Record<string, InternalSchemaElement>;
      };
      // htmlChecks() names no element: it is checked on the div text itself.
      const values: unknown[] = expression.startsWith('htmlChecks')
        ? ['<div xmlns="http://www.w3.org/1999/xhtml">x</div>', '<div><script>x</script></div>']
        : combinations(dimensions(expression, elements));
      expect(values.length).toBeGreaterThan(0);
      let heldBoth = 0;
      let failedBoth = 0;
      let missed = 0;
      const resource: Json = { resourceType: 'Basic', id: 'r' };
      for (const value of values) {
        const engine = engineSays(expression, { type: typeName, value }, resource);
        const code = check(value, { resource, root: resource });
        if (code) expect(engine, `${key} on ${JSON.stringify(value)}`).toBe(true);
        if (code && engine) heldBoth++;
        if (!code && !engine) failedBoth++;
        if (!code && engine) missed++;
      }
      expect(heldBoth, 'the check holds somewhere').toBeGreaterThan(0);
      if (!expression.startsWith('htmlChecks')) {
        expect(failedBoth + missed, 'the check fails somewhere').toBeGreaterThan(0);
      }
      // Conservative, but not so much that real data leaves the fast path.
      expect(missed).toBeLessThanOrEqual(Math.ceil(values.length / 4));
    },
  );

  describe('the Bundle invariants', () => {
    const entries: Json[] = [
      { fullUrl: 'urn:uuid:6f1c2a3b-1111-4222-8333-944455556666', resource: { resourceType: 'Composition' } },
      { fullUrl: 'http://a.org/Patient/1', resource: { resourceType: 'Patient', meta: { versionId: '1' } } },
      { fullUrl: 'http://a.org/Patient/11', resource: { resourceType: 'Patient' } },
      {
        fullUrl: 'http://a.org/Patient/1',
        resource: { resourceType: 'MessageHeader', meta: { versionId: '2' } },
      },
      { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
      { resource: { resourceType: 'Patient' }, response: { status: '201' } },
      { resource: { resourceType: 'Patient' }, search: { mode: 'match' } },
    ];
    const bundles: Json[] = [];
    for (const type of [
      'document',
      'message',
      'transaction',
      'batch',
      'collection',
      'searchset',
      'history',
      'batch-response',
    ]) {
      for (let mask = 0; mask < 1 << entries.length; mask += 3) {
        const entry = entries.filter((_, i) => (mask >> i) & 1);
        for (const extra of [
          {},
          { total: 1 },
          { identifier: { system: 's', value: 'v' }, timestamp: '2020-01-01T00:00:00Z' },
        ]) {
          bundles.push({ resourceType: 'Bundle', type, ...(entry.length > 0 ? { entry } : {}), ...extra });
        }
      }
    }

    it.each([...BUNDLE_ROOT_CHECKS.entries()].map(([key, check]) => [key.split('|')[0], key, check]))(
      '%s never holds where the FHIRPath engine says it does not',
      (_name, key, check) => {
        const expression = (key as string).slice((key as string).indexOf('|') + 1);
        let held = 0;
        let failed = 0;
        for (const bundle of bundles) {
          const engine = engineSays(expression, toTypedValue(bundle), bundle);
          const code = (check as (root: Json, entries: readonly Json[]) => boolean)(
            bundle,
            Array.isArray(bundle.entry) ? (bundle.entry as Json[]) : [],
          );
          if (code) expect(engine, `${key} on ${JSON.stringify(bundle)}`).toBe(true);
          if (code) held++;
          else failed++;
        }
        expect(held).toBeGreaterThan(0);
        expect(failed).toBeGreaterThan(0);
      },
    );
  });
});
