import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexBulkShare } from '../../shared/app/bulk/bulk-copy.js';
import { HashedStringMap, HashedStringSet } from '../../shared/app/bulk/hashed-terms.js';
import { loadContract } from '../../shared/app/load-contract.js';
import { PhiContext } from '../../shared/core/deid/engine.js';
import { collectIdentifiers } from '../../shared/core/deid/fhir/collect.js';
import type { GateHitKind, IdentifyingValues } from '../../shared/core/deid/gate/collect.js';
import { createReleaseGate } from '../../shared/core/deid/gate/gate.js';
import { scrubFreeText } from '../../shared/core/deid/scrubber.js';
import { storeBulkSubmission, syntheaNdjson, textFile } from '../helpers/bulk-files.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';

type Json = Record<string, unknown>;

const randomWords = (n: number, tag: string): string[] =>
  Array.from({ length: n }, (_, i) => `${tag}${randomBytes(6).toString('base64url')}${i}`);

describe('hashed string sets and maps', () => {
  it('answer as a Set does: everything added is there, nothing else is', () => {
    const set = new HashedStringSet();
    const added = randomWords(60_000, 'a');
    for (const word of added) set.add(word);
    for (const word of added.slice(0, 1000)) set.add(word);
    expect(set.size).toBe(60_000);
    expect(added.every((word) => set.has(word))).toBe(true);
    expect(randomWords(60_000, 'b').some((word) => set.has(word))).toBe(false);
    expect(set.has('')).toBe(false);
    set.add('');
    expect(set.has('')).toBe(true);
  });

  it('answer as a Map does: set replaces, get gives the last value, absent is undefined', () => {
    const map = new HashedStringMap<GateHitKind>();
    const reference = new Map<string, GateHitKind>();
    const kinds: GateHitKind[] = ['name', 'address', 'identifier', 'telecom', 'postal-code'];
    const words = randomWords(20_000, 'k');
    words.forEach((word, i) => {
      const kind = kinds[i % kinds.length] ?? 'name';
      map.set(word, kind);
      reference.set(word, kind);
    });
    words.slice(0, 500).forEach((word) => {
      map.set(word, 'employer');
      reference.set(word, 'employer');
    });
    expect(map.size).toBe(reference.size);
    for (const [word, kind] of reference) expect(map.get(word)).toBe(kind);
    expect(randomWords(20_000, 'z').some((word) => map.has(word) || map.get(word) !== undefined)).toBe(false);
  });
});

describe("a bulk submission's hashed index", () => {
  let t: TestStack;
  let resources: Json[];
  beforeAll(async () => {
    t = await startTestStack({ PHI_WORKERS: 'false' });
    const byType = await syntheaNdjson(2);
    resources = [...byType.values()].flat().map((line) => JSON.parse(line) as Json);
  }, 120_000);
  afterAll(() => t?.close());

  const patient = (): Json => resources.find((r) => r.resourceType === 'Patient') as Json;

  it('holds every identifying value the string collection holds, with its kind', async () => {
    const deps = t.stack.deps;
    const byType = await syntheaNdjson(2);
    const files = [...byType.entries()].map(([type, lines]) =>
      textFile('fhir-ndjson', `${lines.join('\n')}\n`, type),
    );
    const msg = await storeBulkSubmission(deps, files);
    for (const consumer of ['analytics', 'billing', 'research']) {
      const { contract } = await loadContract(deps.contracts, consumer);
      const gate = createReleaseGate(contract);
      const exact = gate.collect(resources);
      const index = await indexBulkShare(deps, msg, msg.files ?? [], gate);
      expect(exact.terms.size).toBeGreaterThan(50);
      expect(index.values.terms.size).toBe(exact.terms.size);
      expect(index.values.digits.size).toBe(exact.digits.size);
      expect(index.values.dates.size).toBe(exact.dates.size);
      expect(index.values.prefixes.size).toBe(exact.prefixes.size);
      expect(index.values.maxWords).toBe(exact.maxWords);
      for (const [term, kind] of exact.terms) expect(index.values.terms.get(term)).toBe(kind);
      for (const [digits, kind] of exact.digits) expect(index.values.digits.get(digits)).toBe(kind);
      for (const date of exact.dates) expect(index.values.dates.has(date)).toBe(true);
      for (const prefix of exact.prefixes) expect(index.values.prefixes.has(prefix)).toBe(true);

      // Planted in three places of an output line: the gate finds each, as it does with the strings.
      const p = patient();
      const family = String((p.name as { family: string }[])[0]?.family);
      const phone = String((p.telecom as { value: string }[])[0]?.value);
      const line = (p.address as { line: string[] }[])[0]?.line[0] ?? '';
      const output = {
        resourceType: 'Observation',
        note: [{ text: `seen with ${family} today` }],
        extension: [{ url: 'http://example.org/x', valueString: `call ${phone}` }],
        component: [{ code: { coding: [{ display: `lives at ${line}` }] } }],
      };
      const kinds = (values: IdentifyingValues) =>
        gate
          .scan(values, output, 'Observation[0]')
          .map((hit) => `${hit.kind} ${hit.path}`)
          .sort();
      const found = kinds(index.values);
      expect(found).toEqual(kinds(exact));
      expect(found).toEqual(
        expect.arrayContaining([
          'name Observation[0].note[0].text',
          'telecom Observation[0].extension[0].valueString',
          'address Observation[0].component[0].code.coding[0].display',
        ]),
      );
    }
  }, 180_000);

  it('scrubs free text of the same identifiers as the string context', async () => {
    const deps = t.stack.deps;
    const exact = new PhiContext();
    for (const r of resources) collectIdentifiers(exact, r);
    const byType = await syntheaNdjson(2);
    const files = [...byType.entries()].map(([type, lines]) =>
      textFile('fhir-ndjson', `${lines.join('\n')}\n`, type),
    );
    const msg = await storeBulkSubmission(deps, files);
    const { contract } = await loadContract(deps.contracts, 'analytics');
    const index = await indexBulkShare(deps, msg, msg.files ?? [], createReleaseGate(contract));
    expect(index.context.size).toBe(exact.size);
    const p = patient();
    const name = (p.name as { given: string[]; family: string }[])[0];
    const ssn = (p.identifier as { value: string }[]).map((i) => i.value).join(' and ');
    const texts = [
      `Patient ${name?.given[0]} ${name?.family} came in.`,
      `ids: ${ssn}.`,
      `Lives at ${(p.address as { line: string[] }[])[0]?.line[0]}, phone ${(p.telecom as { value: string }[])[0]?.value}`,
      'Nothing identifying here at all.',
    ];
    for (const text of texts) {
      const scrubbed = scrubFreeText(text, new PhiContext(index.context));
      expect(scrubbed).toEqual(scrubFreeText(text, new PhiContext(exact)));
    }
    expect(scrubFreeText(texts[0] ?? '', new PhiContext(index.context)).text).not.toContain(name?.family);
    expect(scrubFreeText(texts[1] ?? '', new PhiContext(index.context)).hits.CONTEXT).toBeGreaterThan(1);
  }, 180_000);
});
