import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deidentifyFiles, detectFormat } from '../../../shared/app/deidentify-files.js';
import { builtInProfile } from '../../../shared/core/deid/contract.js';
import { isPipelineError } from '../../../shared/core/errors.js';
import { type Json, KEY_ID, REFERENCE_DATE, SECRET } from './support/deid-fixtures.js';

const patient = {
  resourceType: 'Patient',
  id: 'MRN-1',
  name: [{ family: 'Zqxdoe' }],
  birthDate: '1980-02-03',
};
const observation = {
  resourceType: 'Observation',
  id: 'o1',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Zqxdoe pressure' }] },
  subject: { reference: 'Patient/MRN-1' },
};
const bundle = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: [
    { fullUrl: 'urn:uuid:6e1b0f2a-4c8d-4e5f-9a0b-1c2d3e4f5a6b', resource: patient },
    { fullUrl: 'urn:uuid:7f2c1a3b-5d9e-4f6a-8b1c-2d3e4f5a6b7c', resource: observation },
  ],
};
const opts = {
  contract: builtInProfile('safe-harbor'),
  secret: SECRET,
  keyId: KEY_ID,
  referenceDate: REFERENCE_DATE,
};

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'deid-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

async function failure(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return isPipelineError(error) ? error.code : 'other';
  }
  return 'accepted';
}

describe('deidentifyFiles', () => {
  it('gives one input’s output on stdout, in its format', async () => {
    const file = write('b.json', JSON.stringify(bundle, null, 2));
    const result = await deidentifyFiles([file], opts);
    const out = JSON.parse(result.stdout ?? '') as Json;
    expect(out.resourceType).toBe('Bundle');
    expect(result.stdout).not.toContain('Zqxdoe');
    expect(result.outputs[0]?.report.resourceCounts).toEqual({ Observation: 1, Patient: 1 });
  });

  it('writes one output per input with the same base name and format', async () => {
    const json = write('bundle.json', JSON.stringify(bundle));
    const ndjson = write('lines.ndjson', `${JSON.stringify(patient)}\n\n${JSON.stringify(observation)}\r\n`);
    const outDir = join(dir, 'out');
    const result = await deidentifyFiles([json, ndjson], { ...opts, outDir });
    expect(result.stdout).toBeUndefined();
    expect(result.outputs.map((o) => o.output)).toEqual([
      join(outDir, 'bundle.json'),
      join(outDir, 'lines.ndjson'),
    ]);
    const lines = readFileSync(join(outDir, 'lines.ndjson'), 'utf8').trimEnd().split('\n');
    // Two lines, and the Provenance the pipeline adds to every released copy (provenance.ts).
    expect(lines).toHaveLength(3);
    const [p, o, provenance] = lines.map((l) => JSON.parse(l) as Json);
    expect(o?.subject).toEqual({ reference: `Patient/${String(p?.id)}` });
    expect(provenance?.resourceType).toBe('Provenance');
    expect(provenance?.target).toEqual([
      { reference: `Patient/${String(p?.id)}` },
      { reference: `Observation/${String(o?.id)}` },
    ]);
    expect(readFileSync(join(outDir, 'bundle.json'), 'utf8')).not.toContain('Zqxdoe');
  });

  it('checks every input against the identifiers of all inputs of the job', async () => {
    const patients = write('Patient.ndjson', `${JSON.stringify(patient)}\n`);
    const observations = write('Observation.ndjson', `${JSON.stringify(observation)}\n`);
    const outDir = join(dir, 'out');
    await deidentifyFiles([patients, observations], { ...opts, outDir });
    const obs = JSON.parse(readFileSync(join(outDir, 'Observation.ndjson'), 'utf8')) as Json;
    expect(obs.code).toEqual({ coding: [{ system: 'http://loinc.org', code: '8480-6' }] });
  });

  it('is byte-identical on a second run', async () => {
    const file = write('b.json', JSON.stringify(bundle));
    const first = await deidentifyFiles([file], opts);
    const second = await deidentifyFiles([file], opts);
    expect(second.stdout).toBe(first.stdout);
  });

  it('refuses a truncated X12 interchange, and what is neither FHIR JSON, NDJSON nor X12', async () => {
    const x12 = write('claim.txt', 'ISA*00*          *00*          *ZZ*SENDER~');
    expect(await failure(() => deidentifyFiles([x12], opts))).toBe('content-invalid');
    const csv = write('data.csv', 'a,b\n1,2\n');
    expect(await failure(() => deidentifyFiles([csv], opts))).toBe('content-invalid');
    const broken = write('broken.ndjson', `${JSON.stringify(patient)}\n{"resourceType":\n`);
    expect(await failure(() => deidentifyFiles([broken], opts))).toBe('content-invalid');
  });

  it('refuses several inputs without an output directory, and outputs that would collide', async () => {
    const a = write('a.json', JSON.stringify(bundle));
    const b = write('b.json', JSON.stringify(bundle));
    expect(await failure(() => deidentifyFiles([a, b], opts))).toBe('config-invalid');
    expect(await failure(() => deidentifyFiles([a], { ...opts, outDir: dir }))).toBe('config-invalid');
    expect(await failure(() => deidentifyFiles([], opts))).toBe('config-invalid');
  });
});

describe('format detection', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  it('tells Bundle JSON, NDJSON and X12 apart by content', () => {
    expect(detectFormat(bytes(JSON.stringify(bundle, null, 2)))).toBe('json');
    expect(detectFormat(bytes(JSON.stringify(bundle)))).toBe('json');
    expect(detectFormat(bytes(`${JSON.stringify(patient)}\n${JSON.stringify(observation)}\n`))).toBe(
      'ndjson',
    );
    expect(detectFormat(bytes('\n  ISA*00*'))).toBe('x12');
  });
});
