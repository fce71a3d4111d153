import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type AckEnvelopeOptions,
  acknowledgeInterchange,
  ClaimStatusCollector,
  write277ca,
  write999,
} from '../../../shared/core/x12/ack/index.js';
import type { X12ReadResult } from '../../../shared/core/x12/read-model.js';
import { readX12 } from '../../../shared/core/x12/reader.js';
import {
  claimUnits,
  NOW,
  RECEIVED,
  SAMPLE_837I,
  SAMPLE_837P,
  sample,
  summarize,
} from '../../unit/x12-ack-fixtures.js';

/**
 * Golden acknowledgements: each case written with a fixed clock and fixed control numbers must give
 * exactly `<case>.x12`, byte for byte. The files hold one segment a line for review; the same
 * acknowledgement without line breaks (what the door sends by default) must be the file without them.
 * The expected files were reviewed by hand when frozen; regenerate them only on purpose, with
 * `UPDATE_GOLDEN=1 npx vitest run test/golden/x12-ack`, and review the diff.
 */
const DIR = import.meta.dirname;
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const ENVELOPE: AckEnvelopeOptions = { interchangeControl: 700_001, groupControl: 81, now: NOW };
const first = (r: X12ReadResult) => r.interchanges[0] as NonNullable<X12ReadResult['interchanges'][0]>;

function mutated837P(pairs: readonly [string, string][]): Uint8Array {
  let text = new TextDecoder().decode(sample(SAMPLE_837P));
  for (const [from, to] of pairs) {
    if (!text.includes(from)) throw new Error(`the sample no longer holds ${from}`);
    text = text.replace(from, to);
  }
  return new TextEncoder().encode(text);
}

/** Each case: what to write, given whether line breaks are wanted. */
const CASES: Readonly<Record<string, (lineBreaks: boolean) => string>> = {
  // The 837P sample as the reader reads it: no issue.
  '999-accepted-837p': (lineBreaks) => {
    const result = readX12(sample(SAMPLE_837P));
    return write999(first(result), result.issues, { ...ENVELOPE, lineBreaks });
  },
  '999-accepted-837i': (lineBreaks) => {
    const result = readX12(sample(SAMPLE_837I));
    return write999(first(result), result.issues, { ...ENVELOPE, lineBreaks });
  },
  // What the reader finds in the 837P sample with the subscriber's member id (NM108/NM109) removed,
  // a claim frequency code that is not one, and a patient relationship code that is not one.
  '999-rejected-837p': (lineBreaks) => {
    const result = readX12(
      mutated837P([
        ['*MI*JS00111223333~', '~'],
        ['*11:B:1*', '*11:Z:1*'],
        ['PAT*19~', 'PAT*QQ~'],
      ]),
    );
    return write999(first(result), result.issues, { ...ENVELOPE, lineBreaks });
  },
  'ta1-accepted-837p': (lineBreaks) => {
    const ack = acknowledgeInterchange(readX12(sample(SAMPLE_837P)), sample(SAMPLE_837P), {
      ...ENVELOPE,
      functionalControl: 700_002,
      lineBreaks,
    });
    return ack.ta1 ?? '';
  },
  // IEA02 does not match ISA13: the envelope cannot be trusted, a TA1 R 001 goes alone.
  'ta1-rejected-bad-envelope': (lineBreaks) => {
    const bytes = mutated837P([['IEA*1*000000907', 'IEA*1*000000908']]);
    const ack = acknowledgeInterchange(readX12(bytes), bytes, {
      ...ENVELOPE,
      functionalControl: 700_002,
      lineBreaks,
    });
    if (ack.functional !== undefined || ack.outcome !== 'rejected')
      throw new Error('a 999 went with a TA1 R');
    return ack.ta1 ?? '';
  },
  // Every claim of the 837P sample accepted, traced by our own submission id.
  '277ca-837p': (lineBreaks) => {
    const collector = new ClaimStatusCollector();
    for (const unit of claimUnits(sample(SAMPLE_837P))) {
      collector.add(unit, 'accepted', { trace: `SUB7Q2XK9-${unit.index}` });
    }
    return write277ca(first(summarize(sample(SAMPLE_837P))), collector.statusSets(), {
      ...ENVELOPE,
      lineBreaks,
      receivedAt: RECEIVED,
      source: { name: 'PHI PIPELINE', id: 'PHIPIPE01' },
      trace: 'SUB7Q2XK9',
    });
  },
  // The 837I sample's claim rejected (A3:21).
  '277ca-837i-rejected': (lineBreaks) => {
    const collector = new ClaimStatusCollector();
    for (const unit of claimUnits(sample(SAMPLE_837I))) collector.add(unit, 'rejected');
    return write277ca(first(summarize(sample(SAMPLE_837I))), collector.statusSets(), {
      ...ENVELOPE,
      lineBreaks,
      receivedAt: RECEIVED,
      source: { name: 'PHI PIPELINE', id: 'PHIPIPE01' },
      trace: 'SUB8R3YL0',
    });
  },
};

describe.each(Object.keys(CASES))('golden acknowledgement %s', (name) => {
  const write = CASES[name] as (lineBreaks: boolean) => string;
  const file = join(DIR, `${name}.x12`);

  it('is the expected file, byte for byte', () => {
    const written = write(true);
    if (UPDATE) writeFileSync(file, written);
    expect(written).toBe(readFileSync(file, 'utf8'));
  });

  it('without line breaks is the same acknowledgement, and the same on a second run', () => {
    const compact = write(false);
    expect(compact).toBe(readFileSync(file, 'utf8').replaceAll('\n', ''));
    expect(write(false)).toBe(compact);
    expect(compact).not.toContain('\n');
  });
});
