import { describe, expect, it } from 'vitest';
import {
  ackGuideFor,
  type ClaimStatus,
  ClaimStatusCollector,
  type ClaimStatusSet,
  GUIDE_277CA,
  GUIDE_999,
  write277ca,
  write999,
  writeTa1,
} from '../../shared/core/x12/ack/index.js';
import type { PlacedSegment, X12Issue, X12ReadResult } from '../../shared/core/x12/read-model.js';
import { readX12 } from '../../shared/core/x12/reader.js';
import {
  claimUnits,
  issue,
  NOW,
  RECEIVED,
  SAMPLE_837I,
  SAMPLE_837P,
  sample,
  segmentsOf,
  summarize,
} from './x12-ack-fixtures.js';

/**
 * The acknowledgements the pipeline writes are read back by the same loop-aware reader that reads
 * 837s, driven by the 999 and 277CA guides as data: no issue, every segment in the loop the TR3
 * puts it in. Mutations prove the guides are in force (a broken acknowledgement does not read clean).
 */

const enc = (s: string) => new TextEncoder().encode(s);
const P = summarize(sample(SAMPLE_837P));
const I = summarize(sample(SAMPLE_837I));
const first = (r: X12ReadResult) => r.interchanges[0] as NonNullable<X12ReadResult['interchanges'][0]>;
const ENVELOPE = { interchangeControl: 31, now: NOW };
const OPTIONS_277 = {
  ...ENVELOPE,
  receivedAt: RECEIVED,
  source: { name: 'PHI PIPELINE', id: 'PHIPIPE01' },
  trace: 'SUB7Q2XK9',
};

function readBack(x12: string): { result: X12ReadResult; placed: PlacedSegment[] } {
  const placed: PlacedSegment[] = [];
  const result = readX12(enc(x12), (s) => placed.push(s), { guides: ackGuideFor });
  return { result, placed };
}

const loopsOf = (placed: readonly PlacedSegment[], id: string, qualifier?: string) =>
  placed
    .filter((s) => s.id === id && (qualifier === undefined || s.elements[1] === qualifier))
    .map((s) => s.loop);

const summary = (issues: readonly X12Issue[]) =>
  issues.map((i) => `${i.expression} ${i.ack.level}:${i.ack.code}`);

function rejected999(): string {
  const issues = [
    issue(P, { ack: { level: 'IK4', code: '1' }, loop: '2010BA', segment: 'NM1', position: 19, element: 9 }),
    issue(P, {
      ack: { level: 'IK4', code: '7' },
      loop: '2300',
      segment: 'CLM',
      position: 28,
      element: 5,
      component: 2,
    }),
    issue(P, { ack: { level: 'IK3', code: '3' }, loop: '2010AA', segment: 'N4', position: 11 }),
    {
      ...issue(P, { ack: { level: 'IK3', code: 'I7' }, loop: '2000C', segment: 'HL', position: 22 }),
      trigger: { segment: 'SBR', position: 17, loop: '2000B', element: 2 },
    },
    issue(P, { ack: { level: 'SET', code: '4' } }),
  ];
  return write999(first(P), issues, ENVELOPE);
}

function statusSets(bytes: Uint8Array, status: ClaimStatus['status']): ClaimStatusSet[] {
  const collector = new ClaimStatusCollector();
  for (const unit of claimUnits(bytes)) collector.add(unit, status, { trace: `T-${unit.index}` });
  return collector.statusSets();
}

function mixed277(): string {
  const base = statusSets(sample(SAMPLE_837P), 'accepted')[0] as ClaimStatusSet;
  const one = base.claims[0] as ClaimStatus;
  const other = { entity: '1', name: 'JONES', firstName: 'ANN', npi: '1999999984' } as const;
  const claims = [
    one,
    { ...one, index: 2, status: 'rejected' as const, serviceDates: { from: '20240101', to: '20240101' } },
    { ...one, index: 3, billingProvider: other },
  ];
  const second = {
    ...base,
    transactionSet: '0002',
    claims: [{ ...one, index: 4, status: 'rejected' as const }],
  };
  const empty = { ...base, transactionSet: '0009', claims: [] };
  return write277ca(first(P), [{ ...base, claims }, empty, second], OPTIONS_277);
}

describe('ackGuideFor', () => {
  it('knows the 999 and the 277CA by GS08, and nothing else', () => {
    expect(ackGuideFor('005010X231A1')).toBe(GUIDE_999);
    expect(ackGuideFor('005010X214')).toBe(GUIDE_277CA);
    for (const other of ['005010X222A1', '005010X231', 'constructor', '__proto__', '']) {
      expect(ackGuideFor(other)).toBeUndefined();
    }
  });
});

describe('999 read back', () => {
  it('accepting 999s for an 837P and an 837I read back with no issue', () => {
    for (const r of [P, I]) {
      const { result } = readBack(write999(first(r), [], ENVELOPE));
      expect(summary(result.issues)).toEqual([]);
      expect(result.interchanges[0]?.groups[0]?.version).toBe(GUIDE_999.version);
      expect(result.interchanges[0]?.groups[0]?.sets[0]?.accepted).toBe(true);
    }
  });

  it('a rejecting 999 with IK3, IK4 and CTX reads back with no issue, each in its loop', () => {
    const { result, placed } = readBack(rejected999());
    expect(summary(result.issues)).toEqual([]);
    expect(loopsOf(placed, 'AK1')).toEqual(['HEADER']);
    expect(loopsOf(placed, 'AK2')).toEqual(['2000']);
    expect(loopsOf(placed, 'IK3')).toEqual(['2100', '2100', '2100', '2100']);
    expect(loopsOf(placed, 'CTX')).toEqual(['2100']);
    expect(loopsOf(placed, 'IK4')).toEqual(['2110', '2110']);
    expect(loopsOf(placed, 'IK5')).toEqual(['2000']);
    expect(loopsOf(placed, 'AK9')).toEqual(['HEADER']);
  });

  it('a 999 the guide forbids does not read clean', () => {
    const ack = rejected999();
    const mutations: [string, string][] = [
      ['IK5*R*', 'IK5*Q*'],
      ['AK9*R*1*1*0', 'AK9*R*1*1'],
      ['AK1*HC*', 'AK1*ZZ*'],
      ['IK4*9**1', 'IK4*9**1*JS00111223333*X'],
      ['AK2*837*0021*005010X222A2~', ''],
    ];
    for (const [from, to] of mutations) {
      expect(ack).toContain(from);
      const broken = ack.replace(from, to);
      const fixedCount = broken.replace(
        /SE\*(\d+)\*0001/,
        (_, n) => `SE*${Number(n) - (from.endsWith('~') ? 1 : 0)}*0001`,
      );
      expect(readBack(fixedCount).result.issues.length, `${from} -> ${to}`).toBeGreaterThan(0);
    }
  });
});

describe('277CA read back', () => {
  it('277CAs for the 837P and 837I samples read back with no issue, each level in its loop', () => {
    for (const bytes of [sample(SAMPLE_837P), sample(SAMPLE_837I)]) {
      for (const status of ['accepted', 'rejected'] as const) {
        const { result, placed } = readBack(write277ca(first(P), statusSets(bytes, status), OPTIONS_277));
        expect(summary(result.issues)).toEqual([]);
        expect(result.interchanges[0]?.groups[0]?.version).toBe(GUIDE_277CA.version);
        expect(loopsOf(placed, 'BHT')).toEqual(['HEADER']);
        expect(loopsOf(placed, 'NM1')).toEqual(['2100A', '2100B', '2100C', '2100D']);
        expect(loopsOf(placed, 'TRN')).toEqual(['2200A', '2200B', '2200C', '2200D']);
        expect(loopsOf(placed, 'STC')).toEqual(['2200B', '2200D']);
        expect(loopsOf(placed, 'DTP')).toEqual(['2200A', '2200A', '2200D']);
      }
    }
  });

  it('a 277CA with several sets and providers and rejected claims reads back with no issue', () => {
    const { result, placed } = readBack(mixed277());
    expect(summary(result.issues)).toEqual([]);
    expect(result.interchanges[0]?.groups[0]?.sets.map((s) => s.accepted)).toEqual([true, true]);
    expect(loopsOf(placed, 'HL')).toEqual([
      ...['2000A', '2000B', '2000C', '2000D', '2000D', '2000C', '2000D'],
      ...['2000A', '2000B', '2000C', '2000D'],
    ]);
    expect(loopsOf(placed, 'QTY')).toEqual(['2200B', '2200B', '2200C', '2200C', '2200C', '2200B', '2200C']);
  });

  it('a 277CA the guide forbids does not read clean', () => {
    const ack = write277ca(first(P), statusSets(sample(SAMPLE_837P), 'accepted'), OPTIONS_277);
    const mutations: [string, string][] = [
      ['NM1*QC*1*SMITH*TED****MI*', 'NM1*QC*1*SMITH*TED****XX*'],
      ['STC*A1:20*20261203*WQ*', 'STC*A1:20*20261203*ZZ*'],
      ['BHT*0085*08*', 'BHT*0019*08*'],
      ['HL*4*3*PT', 'HL*4*3*PT*1'],
      ['DTP*050*D8*20261203', 'DTP*050*D8*2026120'],
    ];
    for (const [from, to] of mutations) {
      expect(ack).toContain(from);
      expect(readBack(ack.replace(from, to)).result.issues.length, `${from} -> ${to}`).toBeGreaterThan(0);
    }
  });
});

describe('from what the reader found to a 999', () => {
  const mutate = (pairs: readonly [string, string][]) => {
    let text = new TextDecoder().decode(sample(SAMPLE_837P));
    for (const [from, to] of pairs) {
      expect(text).toContain(from);
      text = text.replace(from, to);
    }
    return enc(text);
  };

  it("the reader sees the 837P and 837I samples as the tests' stand-in summary does", () => {
    expect(readX12(sample(SAMPLE_837P))).toEqual(P);
    expect(readX12(sample(SAMPLE_837I))).toEqual(I);
  });

  it('a missing element, a bad code and an unknown segment become IK3/IK4 and a rejecting IK5', () => {
    const bytes = mutate([
      ['*MI*JS00111223333~', '~'],
      ['*11:B:1*', '*11:Z:1*'],
      ['PAT*19~', 'PAT*19~ZZ9*1~'],
    ]);
    const result = readX12(bytes);
    const ack = write999(first(result), result.issues, ENVELOPE);
    const body = segmentsOf(ack).filter((s) => ['IK3', 'IK4', 'IK5', 'AK9'].includes(s[0] ?? ''));
    expect(body).toContainEqual(['IK3', 'NM1', '17', '2010BA', '8']);
    expect(body).toContainEqual(['IK4', '9', '', '1']);
    expect(body).toContainEqual(['IK4', '5:2', '', '7']);
    expect(body.slice(-2)).toEqual([
      ['IK5', 'R', '4', 'I5'],
      ['AK9', 'R', '1', '1', '0'],
    ]);
    expect(ack).not.toContain('JS00111223333');
    // The reader does not name a segment it does not know; the 999 does not echo it either.
    expect(ack).not.toContain('ZZ9');
    expect(readBack(ack).result.issues).toEqual([]);
  });
});

describe('TA1 read back', () => {
  // The reader takes a TA1 only inside a 999/277 guide's transaction set, not between ISA and GS
  // where X12 puts it; the TA1 is checked here by its fixed layout and counts instead.
  it('a TA1 interchange tokenizes back to ISA, TA1, IEA with IEA01 0 and matching control numbers', () => {
    const segments = segmentsOf(writeTa1(first(P), [], ENVELOPE));
    expect(segments.map((s) => s[0])).toEqual(['ISA', 'TA1', 'IEA']);
    expect(segments[2]).toEqual(['IEA', '0', segments[0]?.[13]]);
    expect(segments[1]?.length).toBe(6);
  });
});
