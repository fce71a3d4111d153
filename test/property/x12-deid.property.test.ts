import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSelectors } from '../../shared/core/deid/compile.js';
import { builtInProfile } from '../../shared/core/deid/contract.js';
import { Pseudonyms } from '../../shared/core/deid/pseudonyms.js';
import { deidentifyX12 } from '../../shared/core/deid/x12/deidentify.js';
import { validateX12Envelope } from '../../shared/core/x12/envelope.js';
import { guideFor } from '../../shared/core/x12/guide/index.js';
import { readX12 } from '../../shared/core/x12/reader.js';
import { generateX12, X12_REFERENCE_DATE, type X12ClaimKind } from '../helpers/x12-planter/index.js';

/**
 * Whatever the seed (separators, line breaks, situational loops), a de-identified 837 is still one
 * valid interchange: it reads back with no issue, its SE01/GE01/IEA01 counts and claim count hold,
 * and the clinical codes stay. Under Safe Harbor no planted value survives (dates become YYYY0101,
 * which the planter never plants; ZIPs become ZIP3 plus 00, which it never plants either).
 */

const encode = (text: string) => new TextEncoder().encode(text);
const kinds = fc.constantFrom<X12ClaimKind>('837P', '837I');
const seeds = fc.integer({ min: 1, max: 1_000_000 });
const profiles = fc.constantFrom<'safe-harbor' | 'limited-data-set'>('safe-harbor', 'limited-data-set');
const IDENTIFYING = new Set([
  'name',
  'id',
  'address',
  'city',
  'zip',
  'date',
  'phone',
  'email',
  'ssn',
  'employer',
  'password',
  'free-text',
]);

/**
 * Whether a planted value is still in the output. Numbers of their own (ZIPs, SSNs, phones) count only
 * as whole numbers: a ZIP 94101 inside a generalised birth date 19410101 is no leak.
 */
function survives(text: string, planted: { kind: string; value: string }): boolean {
  if (!['zip', 'ssn', 'phone'].includes(planted.kind)) return text.includes(planted.value);
  return new RegExp(`(?<![0-9])${planted.value}(?![0-9])`).test(text);
}

function deidentify(bytes: Uint8Array, profile: 'safe-harbor' | 'limited-data-set') {
  const contract = builtInProfile(profile);
  return deidentifyX12(bytes, {
    contract: compileSelectors(contract),
    pseudonyms: new Pseudonyms(new Uint8Array(32).fill(7), 'property-key', contract.name),
    keyId: 'property-key',
    referenceDate: X12_REFERENCE_DATE,
  });
}

describe('de-identified 837s', () => {
  it('re-parse with zero issues, consistent counts and the same claims, codes kept', () => {
    fc.assert(
      fc.property(kinds, seeds, profiles, (kind, seed, profile) => {
        const generated = generateX12(kind, seed);
        const { output } = deidentify(encode(generated.bytes), profile);
        expect(readX12(output, () => undefined, { guides: guideFor }).issues).toEqual([]);
        const summary = validateX12Envelope(output);
        expect(summary.claims).toBe(generated.claims);
        const text = new TextDecoder().decode(output);
        for (const code of generated.kept) expect(text, code.place).toContain(code.value);
      }),
      { numRuns: 60 },
    );
  });

  it('keep no planted identifier (names, ids, places, ZIPs, dates, contacts, free text) under Safe Harbor', () => {
    fc.assert(
      fc.property(kinds, seeds, (kind, seed) => {
        const generated = generateX12(kind, seed);
        const text = new TextDecoder().decode(deidentify(encode(generated.bytes), 'safe-harbor').output);
        const elsewhere = new Set([...generated.unplanted, ...generated.kept].map((v) => v.value));
        const survivors = generated.planted.filter(
          (p) => p.searchable && IDENTIFYING.has(p.kind) && !elsewhere.has(p.value) && survives(text, p),
        );
        expect(survivors.map((p) => `${p.kind} at ${p.place}`)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});
