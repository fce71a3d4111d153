import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deidentifyFiles } from '../../../shared/app/deidentify-files.js';
import { builtInProfile } from '../../../shared/core/deid/contract.js';
import { deid, KEY_ID, REFERENCE_DATE, read, SECRET, segmentsOf } from './x12-fixtures.js';

/**
 * Every 5010 837 of the corpus through the de-identifier under both profiles: the output reads back
 * with no issue the input did not already have (a wrong SE01 in the input is fixed, never made), its
 * SE01 counts its segments, and `phi deid` writes it through the release gate.
 */
const corpus = path.resolve(import.meta.dirname, '../../../../shared/corpus/x12');
const dirs = [
  'imsweb-x12-parser/837_5010',
  'linuxforhealth-x12/837_005010X222A2',
  'linuxforhealth-x12/837_005010X223A3',
  'linuxforhealth-x12/demo-file',
];
const files = existsSync(corpus)
  ? dirs.flatMap((dir) =>
      readdirSync(path.join(corpus, dir))
        .filter((name) => !name.endsWith('.835'))
        .map((name) => path.join(dir, name)),
    )
  : [];

/** An issue by what it says, not where: positions move when segments are removed. */
const kinds = (issues: readonly { ack: { code: string }; message: string }[]) =>
  new Set(issues.map((i) => `${i.ack.code} ${i.message}`));

describe.skipIf(files.length === 0)('X12 de-identification over the corpus', () => {
  it.each(files)('%s', (file) => {
    const bytes = readFileSync(path.join(corpus, file));
    const before = read(bytes);
    for (const profile of ['safe-harbor', 'limited-data-set'] as const) {
      const { output } = deid(bytes, profile);
      const after = read(output);
      const known = kinds(before.issues);
      const added = [...kinds(after.issues)].filter((k) => !known.has(k));
      expect(added, profile).toEqual([]);
      if (before.issues.length === 0) expect(after.issues, profile).toEqual([]);
      // Each set's SE01 is its segment count, whatever the input said.
      let count = 0;
      for (const segment of segmentsOf(output)) {
        if (segment.id === 'ST') count = 0;
        if (segment.position > 0) count++;
        if (segment.id === 'SE') expect(Number(segment.elements[1])).toBe(count);
      }
    }
  });

  it('phi deid writes an 837 for an 837, past the release gate', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'deid-x12-'));
    try {
      const inputs = files.slice(0, 6).map((file, i) => {
        const target = path.join(dir, `in-${i}.x12`);
        writeFileSync(target, readFileSync(path.join(corpus, file)));
        return target;
      });
      const out = path.join(dir, 'out');
      const result = await deidentifyFiles(inputs, {
        contract: builtInProfile('safe-harbor'),
        secret: SECRET,
        keyId: KEY_ID,
        referenceDate: REFERENCE_DATE,
        outDir: out,
      });
      expect(result.outputs).toHaveLength(inputs.length);
      for (const o of result.outputs) {
        const text = readFileSync(o.output ?? '', 'utf8');
        expect(text.startsWith('ISA')).toBe(true);
        expect(o.report.profile).toBe('safe-harbor');
        expect(Object.keys(o.report.counts).length).toBeGreaterThan(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
