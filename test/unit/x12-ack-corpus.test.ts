import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../../shared/core/errors.js';
import {
  ackGuideFor,
  acknowledgeInterchange,
  ClaimStatusCollector,
  write277ca,
} from '../../shared/core/x12/ack/index.js';
import { claimGrouper } from '../../shared/core/x12/claims.js';
import type { ClaimUnit, X12ReadResult } from '../../shared/core/x12/read-model.js';
import { readX12 } from '../../shared/core/x12/reader.js';
import { tokenizeX12 } from '../../shared/core/x12/tokenize.js';
import { NOW, RECEIVED } from './x12-ack-fixtures.js';

/**
 * Every file of the X12 corpus (../shared/corpus/x12), valid or malformed, acknowledged as the door
 * would: the TA1 and 999 written from what the reader found read back clean, and carry no value of
 * the file beyond its control data; for the valid 837s, the 277CA reads back clean and echoes only
 * what X214 requires (CLM01, CLM02, the patient's name and member id, provider and submitter ids).
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = path.resolve(repoRoot, '../shared/corpus/x12');

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory()
      ? filesUnder(full)
      : /\.(837|835|txt|edi|837i)$/.test(name)
        ? [full]
        : [];
  });
}

const files = filesUnder(corpus);
const options = { interchangeControl: 900_001, functionalControl: 900_002, now: NOW };
const enc = (s: string) => new TextEncoder().encode(s);

/** Element values of the file outside its envelopes, as a submitter's data; long enough to matter. */
function dataValues(bytes: Uint8Array): Set<string> {
  const values = new Set<string>();
  let segments: readonly { elements: readonly string[] }[] = [];
  try {
    segments = tokenizeX12(bytes).segments;
  } catch {
    return values;
  }
  for (const { elements } of segments) {
    if (['ISA', 'GS', 'ST', 'SE', 'GE', 'IEA'].includes(elements[0] ?? '')) continue;
    for (const value of elements.slice(1)) if (meaningful(value)) values.add(value);
  }
  return values;
}

/** Positions and counts are short numbers; anything else of three characters or more is data. */
const meaningful = (value: string): boolean => (/^\d+$/.test(value) ? value.length >= 6 : value.length >= 3);

/** The values an acknowledgement carries outside its envelope and the control data it must echo. */
function ackValues(x12: string): string[] {
  const echoed = new Set(['AK1', 'AK2']);
  return tokenizeX12(enc(x12))
    .segments.map((s) => s.elements)
    .filter(
      (e) => !['ISA', 'GS', 'ST', 'SE', 'GE', 'IEA', 'TA1'].includes(e[0] ?? '') && !echoed.has(e[0] ?? ''),
    )
    .flatMap((e) => (e[0] === 'IK3' ? [e[1] ?? '', e[2] ?? '', e[4] ?? ''] : e.slice(1)))
    .flatMap((v) => v.split(':'))
    .filter(meaningful);
}

function readOrUndefined(bytes: Uint8Array): X12ReadResult | undefined {
  try {
    return readX12(bytes);
  } catch (error) {
    if (isPipelineError(error) && error.code === 'invalid-x12') return undefined;
    throw error;
  }
}

describe.skipIf(files.length === 0)('acknowledgements over the X12 corpus', () => {
  it('finds the corpus', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  it.each(files.map((f) => path.relative(corpus, f)))(
    '%s: TA1 and 999 read back clean, no value echoed',
    (name) => {
      const bytes = readFileSync(path.join(corpus, name));
      const result = readOrUndefined(bytes);
      const ack = acknowledgeInterchange(result, bytes, options);
      const data = dataValues(bytes);
      if (ack.ta1 !== undefined) {
        expect(tokenizeX12(enc(ack.ta1)).segments.map((s) => s.elements[0])).toEqual(['ISA', 'TA1', 'IEA']);
      }
      if (ack.functional !== undefined) {
        const back = readX12(enc(ack.functional), undefined, { guides: ackGuideFor });
        expect(back.issues.map((i) => `${i.expression} ${i.ack.level}:${i.ack.code}`)).toEqual([]);
        expect(ackValues(ack.functional).filter((v) => data.has(v))).toEqual([]);
      }
      if (result === undefined || result.interchanges.length === 0) expect(ack.functional).toBeUndefined();
    },
  );

  const valid837 = files.filter((f) => /5010/.test(f) && !/malformed/.test(f) && /837/.test(f));

  it.each(valid837.map((f) => path.relative(corpus, f)))(
    '%s: a 277CA reads back clean and echoes only what X214 requires',
    (name) => {
      const bytes = readFileSync(path.join(corpus, name));
      const units: ClaimUnit[] = [];
      const result = readX12(
        bytes,
        claimGrouper((u) => units.push(u)),
      );
      const interchange = result.interchanges[0];
      if (interchange === undefined || units.length === 0) return;
      const collector = new ClaimStatusCollector();
      // Our own values and the one code of three characters the 277CA writes.
      const allowed = new Set<string>(['RD8', 'PHI PIPELINE', 'PHIPIPE01', 'SUBCORPUS1']);
      for (const unit of units) {
        const status = unit.index % 3 === 0 ? 'rejected' : 'accepted';
        collector.add(unit, status);
      }
      for (const set of collector.statusSets()) {
        allowed
          .add(set.receiver.name)
          .add(set.receiver.id)
          .add(set.batch ?? '');
        for (const c of set.claims) {
          allowed.add(c.controlNumber).add(c.chargeAmount).add(c.patient.lastName).add(c.patient.memberId);
          allowed
            .add(c.patient.firstName ?? '')
            .add(c.billingProvider.name)
            .add(c.billingProvider.npi);
          allowed.add(c.billingProvider.firstName ?? '');
          if (c.serviceDates !== undefined) allowed.add(c.serviceDates.from).add(c.serviceDates.to);
        }
      }
      const ack = write277ca(interchange, collector.statusSets(), {
        ...options,
        receivedAt: RECEIVED,
        source: { name: 'PHI PIPELINE', id: 'PHIPIPE01' },
        trace: 'SUBCORPUS1',
      });
      const back = readX12(enc(ack), undefined, { guides: ackGuideFor });
      expect(back.issues.map((i) => `${i.expression} ${i.ack.level}:${i.ack.code}`)).toEqual([]);
      const data = dataValues(bytes);
      const echoed = ackValues(ack)
        .flatMap((v) => v.split('-'))
        .filter((v) => data.has(v) && !allowed.has(v));
      expect(echoed).toEqual([]);
    },
  );
});
