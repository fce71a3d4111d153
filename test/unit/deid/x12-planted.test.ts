import { describe, expect, it } from 'vitest';
import { builtInProfile } from '../../../shared/core/deid/contract.js';
import { createReleaseGate } from '../../../shared/core/deid/gate/gate.js';
import {
  assertX12Releasable,
  collectX12IdentifyingValues,
  x12Verdict,
} from '../../../shared/core/deid/gate/x12.js';
import { deidentifyX12 } from '../../../shared/core/deid/x12/deidentify.js';
import { isPipelineError } from '../../../shared/core/errors.js';
import { type GeneratedX12, generateX12, X12_REFERENCE_DATE } from '../../helpers/x12-planter/index.js';
import { read, segmentsOf, servicesFor } from './x12-fixtures.js';

/**
 * The planter's 837P and 837I files (PHI in every place of issue 10 item 4: names, ids, addresses,
 * ambulance and home locations, other subscribers, HI composite dates, free text, ISA security) through
 * the de-identifier: nothing planted survives, the output reads back clean, codes stay, and the release
 * gate passes the copy and refuses the input posing as one.
 */
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
const KINDS = ['837P', '837I'] as const;
const PERSON_LOOPS = new Set(['2010BA', '2010CA', '2330A']);
const YEAR_ONLY = /^\d{4}0101(?:0000)?$/;

function run(generated: GeneratedX12, profile: 'safe-harbor' | 'limited-data-set') {
  const bytes = new TextEncoder().encode(generated.bytes);
  const services = { ...servicesFor(profile), referenceDate: X12_REFERENCE_DATE };
  const result = deidentifyX12(bytes, services);
  return { bytes, result, text: new TextDecoder().decode(result.output) };
}

/** Planted values that are not also written, unplanted, in a place that is not the patient's. */
function searchable(generated: GeneratedX12, kinds: ReadonlySet<string>): string[] {
  const elsewhere = new Set([
    ...generated.unplanted.map((u) => u.value),
    ...generated.kept.map((k) => k.value),
  ]);
  return generated.planted
    .filter((p) => p.searchable && kinds.has(p.kind) && !elsewhere.has(p.value))
    .map((p) => p.value);
}

const DIRECT = new Set([
  'name',
  'id',
  'address',
  'phone',
  'email',
  'ssn',
  'employer',
  'password',
  'free-text',
]);

describe.each(KINDS)('planted %s files', (kind) => {
  it.each(SEEDS)('seed %i: Safe Harbor leaves no planted value and keeps the codes', (seed) => {
    const generated = generateX12(kind, seed);
    const { bytes, result, text } = run(generated, 'safe-harbor');
    expect(read(bytes).issues).toEqual([]);
    const upper = text.toUpperCase();
    for (const value of searchable(generated, new Set([...DIRECT, 'city']))) {
      expect(upper.includes(value.toUpperCase()), value).toBe(false);
    }
    for (const code of generated.kept) expect(text.includes(code.value), code.place).toBe(true);
    const out = read(result.output);
    expect(out.issues).toEqual([]);
    expect(out.interchanges[0]?.groups.flatMap((g) => g.sets).every((s) => s.accepted)).toBe(true);
    const placed = segmentsOf(text);
    // Every date the claim carries is the year alone, every ZIP of a person at most ZIP3.
    const unplantedZips = new Set(generated.unplanted.map((u) => u.value));
    for (const segment of placed) {
      const at = (n: number) => segment.elements[n] ?? '';
      if (segment.id === 'DTP' && ['D8', 'DT', 'RD8'].includes(at(2))) {
        for (const part of at(3).split('-')) expect(part, `${segment.loop}/DTP`).toMatch(YEAR_ONLY);
      }
      if (segment.id === 'DMG') expect(at(2)).toMatch(YEAR_ONLY);
      if (
        segment.id === 'N4' &&
        !unplantedZips.has(at(3)) &&
        !/^(2010A|2010BB|2330B|1000)/.test(segment.loop)
      ) {
        if (PERSON_LOOPS.has(segment.loop) || generated.planted.some((p) => p.value === at(3))) {
          expect(at(3), segment.loop).toMatch(/^(?:\d{3}(?:00)?|000)$/);
        }
      }
    }
    for (const planted of generated.planted.filter((p) => p.kind === 'zip' && p.restrictedZip3)) {
      expect(text.includes(planted.value)).toBe(false);
    }
    expect(text.slice(0, 106)).toMatch(/^ISA.00. {10}.00. {10}./);
    expect(text.slice(7, 17).trim()).toBe('');
    expect(
      deidentifyX12(bytes, { ...servicesFor('safe-harbor'), referenceDate: X12_REFERENCE_DATE }).output,
    ).toEqual(result.output);
  });

  it.each(SEEDS.slice(0, 6))(
    'seed %i: a limited data set removes direct identifiers and reads back clean',
    (seed) => {
      const generated = generateX12(kind, seed);
      const { result, text } = run(generated, 'limited-data-set');
      const upper = text.toUpperCase();
      for (const value of searchable(generated, DIRECT))
        expect(upper.includes(value.toUpperCase()), value).toBe(false);
      expect(read(result.output).issues).toEqual([]);
    },
  );

  it.each(SEEDS.slice(0, 4))(
    'seed %i: the release gate passes the copy and refuses the input as a copy',
    (seed) => {
      const generated = generateX12(kind, seed);
      const gate = createReleaseGate(builtInProfile('safe-harbor'));
      const { bytes, result } = run(generated, 'safe-harbor');
      const values = collectX12IdentifyingValues(bytes, gate.policy);
      expect(x12Verdict(gate, values, result.output)).toEqual({ ok: true });
      const leaked = x12Verdict(gate, values, bytes);
      expect(leaked.ok).toBe(false);
      let thrown: unknown;
      try {
        assertX12Releasable(gate, values, bytes, 'claims.x12: output');
      } catch (error) {
        thrown = error;
      }
      expect(isPipelineError(thrown) && thrown.code).toBe('residual-phi');
      const message = (thrown as Error).message;
      expect(message).toMatch(/at (ISA|\d{4}[A-Z]?|2\d{3}[A-Z]*)\/[A-Z0-9]{2,3}\[\d+\]\/[A-Z0-9]+/);
      for (const planted of generated.planted.filter((p) => p.searchable)) {
        expect(message.includes(planted.value), planted.place).toBe(false);
      }
    },
  );
});

describe('the X12 release gate', () => {
  it('names the position of a single value put back into a de-identified copy', () => {
    const generated = generateX12('837P', 3);
    const gate = createReleaseGate(builtInProfile('safe-harbor'));
    const { bytes, text } = run(generated, 'safe-harbor');
    const values = collectX12IdentifyingValues(bytes, gate.policy);
    const name = generated.planted.find((p) => p.kind === 'name' && p.place === '2010BA/NM1/NM103');
    expect(name).toBeDefined();
    // The subscriber's last name written back into the first REDACTED NM103.
    const leaked = text.replace('*REDACTED*', `*${name?.value ?? ''}*`);
    const verdict = x12Verdict(gate, values, new TextEncoder().encode(leaked));
    expect(verdict.ok).toBe(false);
    if (!verdict.ok)
      expect(verdict.hits[0]).toEqual({
        path: expect.stringMatching(/^2010BA\/NM1\[\d+\]\/NM103$/),
        kind: 'name',
      });
  });

  it('refuses a date finer than the year in a date place', () => {
    const generated = generateX12('837I', 4);
    const gate = createReleaseGate(builtInProfile('safe-harbor'));
    const { bytes, text } = run(generated, 'safe-harbor');
    const values = collectX12IdentifyingValues(bytes, gate.policy);
    const leaked = text.replace(/(DTP.472.D8.)(\d{4})0101/, '$1$20215');
    const verdict = x12Verdict(gate, values, new TextEncoder().encode(leaked));
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.hits.map((h) => h.kind)).toContain('date-precision');
  });
});
