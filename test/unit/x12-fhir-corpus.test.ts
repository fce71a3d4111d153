import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateBundle } from '../../shared/core/fhir/validate-bundle.js';
import { mapClaimToFhir } from '../../shared/core/x12/fhir/map-claim.js';
import { handLoops } from './x12-fhir-hand-loops.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = path.resolve(repoRoot, '../shared/corpus/x12');

const filesIn = (dir: string, keep: (name: string) => boolean = () => true): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter(keep)
        .sort()
        .map((name) => path.join(dir, name))
    : [];

/** Every 5010 837 of the corpus (4010 files are another guide) and the repo's samples. */
const FILES = [
  ...filesIn(path.join(corpus, 'linuxforhealth-x12/837_005010X222A2')),
  ...filesIn(path.join(corpus, 'linuxforhealth-x12/837_005010X223A3')),
  ...filesIn(path.join(corpus, 'linuxforhealth-x12/demo-file'), (n) => /\.837/.test(n)),
  ...filesIn(path.join(corpus, 'uhin-x12-parser-library'), (n) => n === '837.edi'),
  ...filesIn(path.join(corpus, 'imsweb-x12-parser/837_5010')),
];
const SAMPLES = filesIn(path.join(repoRoot, 'samples/x12'), (n) => /\.837/.test(n));

const LAST_UPDATED = '2026-12-03T12:00:00Z';

function mapFile(file: string, lastUpdated: string | undefined) {
  const { delimiters, claims } = handLoops(readFileSync(file, 'latin1'));
  return claims.map((claim) =>
    mapClaimToFhir(claim, delimiters, lastUpdated === undefined ? {} : { lastUpdated }),
  );
}

describe('837 → FHIR over the repo samples', () => {
  it.each(SAMPLES.map((f) => [path.basename(f), f]))(
    '%s maps to Bundles the R4 validator accepts',
    (_, file) => {
      const bundles = mapFile(file, LAST_UPDATED);
      expect(bundles.length).toBeGreaterThan(0);
      for (const bundle of bundles) expect(() => validateBundle(bundle)).not.toThrow();
    },
  );
});

describe.skipIf(FILES.length === 0)('837 → FHIR over the corpus', () => {
  it.each(FILES.map((f) => [path.relative(corpus, f), f]))('%s: every claim validates', (_, file) => {
    for (const lastUpdated of [undefined, LAST_UPDATED]) {
      const bundles = mapFile(file, lastUpdated);
      expect(bundles.length).toBeGreaterThan(0);
      for (const bundle of bundles) {
        const summary = validateBundle(bundle);
        expect(summary.resourceCounts.Claim).toBe(1);
        expect(summary.resourceCounts.Patient).toBe(1);
        expect(summary.resourceCounts.Coverage).toBeGreaterThanOrEqual(1);
      }
    }
  });
});
