import type { Bundle } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { validateBundle } from '../../shared/core/fhir/validate-bundle.js';
import { claimBundleHandler } from '../../shared/core/x12/fhir/claim-bundles.js';
import { SYSTEM } from '../../shared/core/x12/fhir/codes.js';
import { readX12 } from '../../shared/core/x12/reader.js';
import { generateX12, type KeptCode } from '../helpers/x12-planter/index.js';

/** The code system each of the generator's kept clinical codes must appear under in the Bundle. */
const SYSTEMS: Record<KeptCode['system'], readonly string[]> = {
  CPT: [SYSTEM.cpt],
  // HIPAA's HCPCS (qualifier HC) includes CPT as its Level I: a five-digit code goes under CPT.
  HCPCS: [SYSTEM.hcpcs, SYSTEM.cpt],
  'ICD-10-CM': [SYSTEM.icd10cm],
  'ICD-10-PCS': [SYSTEM.icd10pcs],
  revenue: [SYSTEM.revenue],
  NDC: ['http://hl7.org/fhir/sid/ndc'],
};

/** Every (system, code) pair of the Bundles, with ICD decimal points removed to compare with X12. */
function codings(bundles: readonly Bundle[]): Set<string> {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) for (const item of node) walk(item);
    else if (typeof node === 'object' && node !== null) {
      const { system, code } = node as { system?: unknown; code?: unknown };
      if (typeof system === 'string' && typeof code === 'string')
        found.add(`${system}|${code.replace('.', '')}`);
      for (const value of Object.values(node)) walk(value);
    }
  };
  walk(bundles);
  return found;
}

/** Kinds of planted value the mapping does not carry over (docs/x12-837-to-fhir.md, not mapped). */
const NOT_MAPPED: ReadonlySet<string> = new Set(['free-text', 'phone', 'email', 'ssn', 'password']);

const SEEDS = Array.from({ length: 12 }, (_, i) => 1000 + i * 7);

describe('837 → FHIR over generated claims (both guides, random separators)', () => {
  it.each(SEEDS.flatMap((seed) => [['837P', seed] as const, ['837I', seed] as const]))(
    '%s seed %i: one valid Bundle per claim, every clinical code kept under its system',
    (kind, seed) => {
      const generated = generateX12(kind, seed);
      const bundles: Bundle[] = [];
      readX12(
        Buffer.from(generated.bytes, 'latin1'),
        claimBundleHandler((bundle) => bundles.push(bundle), { lastUpdated: '2026-12-03T12:00:00Z' }),
      );
      expect(bundles).toHaveLength(generated.claims);
      for (const bundle of bundles) expect(() => validateBundle(bundle)).not.toThrow();
      const found = codings(bundles);
      const missing = generated.kept.filter(
        (kept) =>
          !SYSTEMS[kept.system].some((system) => found.has(`${system}|${kept.value.replace('.', '')}`)),
      );
      expect(missing.map((m) => `${m.system} at ${m.place}`)).toEqual([]);
      // What the field table leaves out stays out: free text, phone numbers, e-mail, SSNs, ISA passwords.
      const text = JSON.stringify(bundles);
      expect(generated.planted.some((v) => v.searchable && NOT_MAPPED.has(v.kind))).toBe(true);
      const leaked = generated.planted.filter(
        (v) => v.searchable && NOT_MAPPED.has(v.kind) && text.includes(v.value),
      );
      expect(leaked.map((v) => `${v.kind} at ${v.place}`)).toEqual([]);
    },
  );
});
