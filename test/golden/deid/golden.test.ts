import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deidentifyContent } from '../../../shared/app/deidentify-files.js';
import { parseContract } from '../../../shared/core/deid/contract.js';
import { contractNamed, engineFor, type Json, r4Errors } from '../../unit/deid/support/deid-fixtures.js';

/**
 * Golden input/expected pairs: `<case>.input.<ext>` de-identified under each listed contract must give
 * exactly `<case>.<contract>.expected.<ext>` (same secret, key id and reference date every time).
 * The expected files were reviewed by hand when frozen; regenerate them only on purpose, with
 * `UPDATE_GOLDEN=1 npx vitest run test/golden/deid`, and review the diff.
 */
const DIR = import.meta.dirname;
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const CASES: Readonly<Record<string, { ext: 'json' | 'ndjson'; contracts: readonly string[] }>> = {
  'phi-everywhere': { ext: 'json', contracts: ['safe-harbor', 'limited-data-set', 'research', 'billing'] },
  'phi-lines': { ext: 'ndjson', contracts: ['safe-harbor', 'research', 'scrub-notes'] },
  references: { ext: 'json', contracts: ['safe-harbor'] },
};

function contract(name: string) {
  const local = join(DIR, 'contracts', `${name}.json`);
  if (!existsSync(local)) return contractNamed(name);
  return parseContract(JSON.parse(readFileSync(local, 'utf8')), `contracts/${name}.json`);
}

const render = (ext: 'json' | 'ndjson', text: string): string =>
  ext === 'json' ? `${JSON.stringify(JSON.parse(text), null, 2)}\n` : text;

describe.each(Object.entries(CASES))('golden %s', (name, { ext, contracts }) => {
  const inputFile = join(DIR, `${name}.input.${ext}`);
  const input = readFileSync(inputFile);

  it.each(contracts)('under %s gives the expected output, byte for byte', (contractName) => {
    const engine = engineFor(contract(contractName));
    const { text } = deidentifyContent(engine, input, `${name}.input.${ext}`);
    const expectedFile = join(DIR, `${name}.${contractName}.expected.${ext}`);
    if (UPDATE) writeFileSync(expectedFile, render(ext, text));
    const expected = readFileSync(expectedFile, 'utf8');
    expect(render(ext, text)).toBe(expected);
    // The output is the compact form of the expected file, with the same key order.
    if (ext === 'json') expect(text).toBe(`${JSON.stringify(JSON.parse(expected))}\n`);
  });

  it.each(contracts)('under %s is valid R4 and the same on a second run', (contractName) => {
    const first = deidentifyContent(engineFor(contract(contractName)), input, name).text;
    const second = deidentifyContent(engineFor(contract(contractName)), input, name).text;
    expect(second).toBe(first);
    const resources = first
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Json);
    for (const resource of resources) expect(r4Errors(resource)).toEqual([]);
  });
});
