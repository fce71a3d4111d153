import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { validateBundle } from '../../shared/core/fhir/validate-bundle.js';
import { claimBundleHandler } from '../../shared/core/x12/fhir/claim-bundles.js';
import { readX12 } from '../../shared/core/x12/reader.js';
import { recountX12 } from '../helpers/x12-counts.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = path.resolve(repoRoot, '../shared/corpus/x12');

const filesIn = (dir: string, keep: (name: string) => boolean = () => true): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter(keep)
        .sort()
        .map((name) => path.join(dir, name))
    : [];

/** Every 5010 837 of the corpus (the 4010 files are another guide) and the repo's samples. */
const FILES = [
  ...filesIn(path.join(corpus, 'linuxforhealth-x12/837_005010X222A2')),
  ...filesIn(path.join(corpus, 'linuxforhealth-x12/837_005010X223A3')),
  ...filesIn(path.join(corpus, 'linuxforhealth-x12/demo-file'), (n) => /\.837/.test(n)),
  ...filesIn(path.join(corpus, 'uhin-x12-parser-library'), (n) => n === '837.edi'),
  ...filesIn(path.join(corpus, 'imsweb-x12-parser/837_5010')),
];
const SAMPLES = filesIn(path.join(repoRoot, 'samples/x12'), (n) => /\.837/.test(n));

const LAST_UPDATED = '2026-12-03T12:00:00Z';

const claimCount = (text: string): number =>
  text.split(text.charAt(105)).filter((s) => s.trim().startsWith(`CLM${text.charAt(3)}`)).length;

function mapFile(file: string, lastUpdated: string | undefined): { bundles: Bundle[]; claims: number } {
  const text = recountX12(readFileSync(file, 'latin1'));
  const bundles: Bundle[] = [];
  readX12(
    Buffer.from(text, 'latin1'),
    claimBundleHandler((bundle) => bundles.push(bundle), lastUpdated === undefined ? {} : { lastUpdated }),
  );
  return { bundles, claims: claimCount(text) };
}

describe('837 → FHIR over the repo samples, read by the streaming reader', () => {
  it.each(SAMPLES.map((f) => [path.basename(f), f]))(
    '%s maps to Bundles the R4 validator accepts',
    (_, file) => {
      const { bundles, claims } = mapFile(file, LAST_UPDATED);
      expect(bundles).toHaveLength(claims);
      for (const bundle of bundles) expect(() => validateBundle(bundle)).not.toThrow();
    },
  );
});

describe.skipIf(FILES.length === 0)('837 → FHIR over the corpus', () => {
  it.each(FILES.map((f) => [path.relative(corpus, f), f]))('%s: one valid Bundle per claim', (_, file) => {
    for (const lastUpdated of [undefined, LAST_UPDATED]) {
      const { bundles, claims } = mapFile(file, lastUpdated);
      expect(claims).toBeGreaterThan(0);
      expect(bundles).toHaveLength(claims);
      for (const bundle of bundles) {
        const summary = validateBundle(bundle);
        expect(summary.resourceCounts.Claim).toBe(1);
        expect(summary.resourceCounts.Patient).toBe(1);
        expect(summary.resourceCounts.Coverage).toBeGreaterThanOrEqual(1);
      }
    }
  });
});
