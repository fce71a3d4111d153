import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseContract } from '../../../shared/core/deid/contract.js';
import { createReleaseGate, type GateHit } from '../../../shared/core/deid/gate/gate.js';
import { bundleResourcesForNdjson } from '../../../shared/core/deid/ndjson.js';
import { contractNamed, corpusBundles, engineFor, REPO } from './support/deid-fixtures.js';

/**
 * No false positives: the gate runs on every release, so a hit on what the engine legitimately
 * keeps would dead-letter real traffic. Every current engine output of the Synthea and HL7 corpus
 * and of the golden inputs, under every shipped contract and both profiles, as a Bundle and as the
 * NDJSON lines a consumer receives, passes the gate. (The corpus part skips where it is absent.)
 */
const GOLDEN = join(REPO, 'test/golden/deid');
const CONTRACTS = ['safe-harbor', 'limited-data-set', 'analytics', 'research', 'billing'];
const contracts = [
  ...CONTRACTS.map((name) => contractNamed(name)),
  parseContract(JSON.parse(readFileSync(join(GOLDEN, 'contracts/scrub-notes.json'), 'utf8')), 'scrub-notes'),
];

function gateOutputs(contractIndex: number, inputs: readonly unknown[]): GateHit[] {
  const contract = contracts[contractIndex];
  if (contract === undefined) throw new TypeError('no such contract');
  const engine = engineFor(contract);
  const gate = createReleaseGate(engine.contract);
  const context = engine.collectContext(inputs);
  const values = gate.collect(inputs);
  const hits: GateHit[] = [];
  for (const [i, input] of inputs.entries()) {
    const bundle = (input as { resourceType?: unknown }).resourceType === 'Bundle';
    const { output } = bundle
      ? engine.deidentifyBundle(input, { context })
      : engine.deidentifyResource(input, { context });
    if (output === undefined) continue;
    gate.scan(values, output, bundle ? 'Bundle' : `${String(output.resourceType)}[${i}]`, hits);
    if (bundle) {
      for (const [j, line] of bundleResourcesForNdjson(output).entries())
        gate.scan(values, line, `${String(line.resourceType)}[${j}]`, hits);
    }
  }
  return hits;
}

const readInputs = (file: string): unknown[] => {
  const text = readFileSync(file, 'utf8');
  return file.endsWith('.ndjson')
    ? text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line))
    : [JSON.parse(text)];
};

const contractIds = contracts.map((c, i) => [c.name, i] as const);

describe.each(['phi-everywhere.input.json', 'phi-lines.input.ndjson', 'references.input.json'])(
  'release gate over golden %s',
  (file) => {
    const inputs = readInputs(join(GOLDEN, file));
    it.each(contractIds)('passes the engine output under %s', (_name, i) => {
      expect(gateOutputs(i, inputs)).toEqual([]);
    });
  },
);

const corpus = corpusBundles();
describe.skipIf(corpus.length === 0)('release gate over the shared corpus', () => {
  it.each(contractIds)(
    'passes every engine output under %s',
    (_name, i) => {
      const failures: string[] = [];
      for (const file of corpus) {
        const input = JSON.parse(readFileSync(file, 'utf8'));
        if (input.resourceType !== 'Bundle') continue;
        for (const hit of gateOutputs(i, [input])) failures.push(`${basename(file)} ${hit.path} ${hit.kind}`);
      }
      expect(failures).toEqual([]);
      expect(corpus.length).toBeGreaterThan(40);
    },
    300_000,
  );
});
