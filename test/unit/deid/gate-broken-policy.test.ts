import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../cli/program.js';
import { deidentifyFiles } from '../../../shared/app/deidentify-files.js';
import { builtInProfile } from '../../../shared/core/deid/contract.js';
import { createReleaseGate } from '../../../shared/core/deid/gate/gate.js';
import { contractNamed, engineFor, KEY_ID, REFERENCE_DATE, REPO, SECRET } from './support/deid-fixtures.js';

/**
 * A deliberately broken policy registry (this file only, through the module seam the walker reads
 * policies from): HumanName walked instead of withheld (a contact's name, which the profile allows, then leaks), Address lines and every date
 * kept as written. The engine then lets PHI through; the gate must catch each kind, by path.
 */
const broken = vi.hoisted(() => ({ on: true }));
const work = vi.hoisted(() => {
  const { mkdtempSync } = require('node:fs') as typeof import('node:fs');
  const { tmpdir } = require('node:os') as typeof import('node:os');
  const dir = mkdtempSync(`${tmpdir()}/gate-broken-`);
  process.env.PHI_HOME = `${dir}/home`;
  return { dir };
});
afterAll(() => rmSync(work.dir, { recursive: true, force: true }));

vi.mock('../../../shared/core/deid/policies/registry.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../shared/core/deid/policies/registry.js')>();
  const { keep } = await import('../../../shared/core/deid/policies/policy.js');
  return {
    ...original,
    wholePolicyFor: (type: string) =>
      broken.on && type === 'HumanName' ? undefined : original.wholePolicyFor(type),
    decide: (
      input: Parameters<typeof original.decide>[0],
      services: Parameters<typeof original.decide>[1],
    ) => {
      const leaks =
        input.type === 'HumanName' ||
        (input.type === 'Address' && input.elementName === 'line') ||
        ['date', 'dateTime', 'instant'].includes(input.valueType);
      return broken.on && leaks && typeof input.value === 'string'
        ? keep(input.value)
        : original.decide(input, services);
    },
  };
});

const input = JSON.parse(readFileSync(join(REPO, 'test/golden/deid/phi-everywhere.input.json'), 'utf8'));

describe('a broken policy lets PHI through; the gate catches it', () => {
  it('the broken engine leaks names, address lines and full dates', () => {
    const { output } = engineFor('safe-harbor').deidentifyBundle(input);
    const text = JSON.stringify(output);
    expect(text).toContain('"family":"Doe"');
    expect(text).toContain('42 Elm Street');
    expect(text).toContain('1931-03-15');
  });

  it('the gate reports each leak by path and kind, never the value', () => {
    const engine = engineFor('safe-harbor');
    const { output } = engine.deidentifyBundle(input);
    const result = createReleaseGate(engine.contract).check(input, [['Bundle', output]]);
    expect(result.ok).toBe(false);
    const hits = result.ok ? [] : result.hits;
    const kinds = new Set(hits.map((h) => h.kind));
    for (const kind of ['name', 'address', 'date', 'date-precision']) expect(kinds).toContain(kind);
    expect(hits).toContainEqual({ path: 'Bundle.entry[0].resource.contact[0].name.family', kind: 'name' });
    expect(hits).toContainEqual({ path: 'Bundle.entry[0].resource.address[0].line[0]', kind: 'address' });
    expect(hits).toContainEqual({ path: 'Bundle.entry[0].resource.birthDate', kind: 'date-precision' });
    const serialized = JSON.stringify(result);
    for (const value of ['Mary', 'Doe', 'Elm', '1931-03-15']) expect(serialized).not.toContain(value);
  });

  it('under a limited data set too: names and lines, not the dates it may keep', () => {
    const engine = engineFor(contractNamed('limited-data-set'));
    const { output } = engine.deidentifyBundle(input);
    const result = createReleaseGate(engine.contract).check(input, [['Bundle', output]]);
    const kinds = new Set(result.ok ? [] : result.hits.map((h) => h.kind));
    expect(kinds).toContain('name');
    expect(kinds).toContain('address');
    expect(kinds).not.toContain('date-precision');
  });

  it('with the policy mended, the same input passes', () => {
    broken.on = false;
    try {
      const engine = engineFor('safe-harbor');
      const { output } = engine.deidentifyBundle(input);
      expect(createReleaseGate(engine.contract).check(input, [['Bundle', output]])).toEqual({ ok: true });
    } finally {
      broken.on = true;
    }
  });
});

describe('phi deid runs the same gate and refuses to write an output that fails it', () => {
  const lines = [
    { resourceType: 'Patient', id: 'p1', gender: 'female', contact: [{ name: { family: 'Zqxgatefamily' } }] },
    { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' } },
  ];
  const write = (name: string, text: string): string => {
    const file = join(work.dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('deidentifyFiles: residual-phi naming the file and the path; no output written', async () => {
    const clean = write('clean.json', JSON.stringify({ resourceType: 'Patient', id: 'c', gender: 'male' }));
    const leaky = write('leaky.ndjson', `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const out = mkdtempSync(join(tmpdir(), 'gate-out-'));
    try {
      await expect(
        deidentifyFiles([clean, leaky], {
          contract: builtInProfile('safe-harbor'),
          secret: SECRET,
          keyId: KEY_ID,
          referenceDate: REFERENCE_DATE,
          outDir: out,
        }),
      ).rejects.toMatchObject({
        code: 'residual-phi',
        message: 'leaky.ndjson: output failed the release gate: name at Patient[0].contact[0].name.family',
      });
      expect(readdirSync(out)).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('phi deid: exit 1, one line on stderr with the file and the path, never the value', async () => {
    const leaky = write('cli-leaky.ndjson', `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const secretFile = write('secret.hex', 'ab'.repeat(32));
    const out = join(work.dir, 'cli-out');
    const stderr: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
    const before = process.exitCode;
    try {
      await runCli([
        'node',
        'phi',
        'deid',
        '--profile',
        'safe-harbor',
        '--secret-file',
        secretFile,
        '--out',
        out,
        leaky,
      ]);
      expect(process.exitCode).toBe(1);
    } finally {
      spy.mockRestore();
      process.exitCode = before;
    }
    expect(stderr).toEqual([
      'phi: cli-leaky.ndjson: output failed the release gate: name at Patient[0].contact[0].name.family\n',
    ]);
    expect(existsSync(join(out, 'cli-leaky.ndjson'))).toBe(false);
  });
});
