import { describe, expect, it } from 'vitest';
import {
  ackGuideFor,
  ackOutcome,
  type ClaimStatus,
  type ClaimStatusSet,
  write277ca,
  write999,
} from '../../shared/core/x12/ack/index.js';
import type { InterchangeSummary, X12Issue, X12ReadResult } from '../../shared/core/x12/read-model.js';
import { readX12 } from '../../shared/core/x12/reader.js';
import { NOW, RECEIVED, segmentsOf } from './x12-ack-fixtures.js';

/**
 * Seeded random inputs (a small PRNG, so a failure replays): whatever the reader could report, the
 * 999 written for it reads back through the reader with no issue, its counts hold, and its AK9 agrees
 * with `ackOutcome`; whatever claims are acknowledged, the 277CA reads back clean with exact totals.
 */

function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T;
  return { int, pick, chance: (p: number) => next() < p };
}

type Random = ReturnType<typeof prng>;

const LOOPS = [
  'HEADER',
  '1000A',
  '2000A',
  '2010AA',
  '2000B',
  '2010BA',
  '2000C',
  '2300',
  '2310B',
  '2400',
  'ST',
];
const SEGMENTS = ['NM1', 'N3', 'N4', 'REF', 'CLM', 'HI', 'SV1', 'DTP', 'HL', 'SBR', 'PAT', 'BHT'];
const IK3_CODES = ['1', '2', '3', '4', '5', '6', '7', '8', 'I4', 'I6', 'I7', 'I8', 'I9'];
const IK4_CODES = [
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
  '10',
  '12',
  '13',
  'I10',
  'I12',
  'I13',
  'I6',
  'I9',
];
const SET_CODES = ['1', '2', '3', '4', '5', '6', '7', '23', 'I6'];
const GROUP_CODES = ['1', '2', '3', '4', '5', '6', '19'];

function randomRead(r: Random): X12ReadResult {
  const groups = Array.from({ length: r.int(1, 3) }, (_, g) => ({
    functional: 'HC',
    control: String(g + 1),
    version: r.pick(['005010X222A1', '005010X223A2']),
    sets: Array.from({ length: r.int(1, 4) }, (_, s) => ({
      id: '837',
      control: String(1000 + 10 * g + s),
      version: r.chance(0.9) ? '005010X222A1' : undefined,
      segments: r.int(20, 400),
      claims: r.int(1, 9),
      accepted: true,
    })),
  }));
  const interchange: InterchangeSummary = {
    control: '000000123',
    senderQualifier: 'ZZ',
    sender: 'SUBMITTER',
    receiverQualifier: 'ZZ',
    receiver: 'PIPELINE',
    date: '261201',
    time: '0930',
    version: '00501',
    usage: r.pick(['P', 'T']),
    groups,
  };
  const issues: X12Issue[] = [];
  for (let n = r.int(0, 12); n > 0; n--) {
    const g = r.int(0, groups.length - 1);
    const group = groups[g] as (typeof groups)[number];
    const s = r.int(0, group.sets.length - 1);
    const level = r.pick(['GROUP', 'SET', 'IK3', 'IK4', 'IK4', 'IK4'] as const);
    const element = level === 'IK4' ? r.int(1, 20) : undefined;
    issues.push({
      snip: r.pick([1, 2, 3, 4] as const),
      ack: {
        level,
        code:
          level === 'GROUP'
            ? r.pick(GROUP_CODES)
            : level === 'SET'
              ? r.pick(SET_CODES)
              : level === 'IK3'
                ? r.pick(IK3_CODES)
                : r.pick(IK4_CODES),
      },
      expression: 'random',
      message: 'random',
      loop: r.pick(LOOPS),
      segment: r.chance(0.95) ? r.pick(SEGMENTS) : '?',
      position: r.int(1, 400),
      element,
      component: element !== undefined && r.chance(0.3) ? r.int(1, 7) : undefined,
      interchange: 0,
      group: g,
      transactionSet: level === 'GROUP' ? undefined : s,
    });
  }
  const rejected = new Set(issues.map((i) => `${i.group}|${i.transactionSet}`));
  const marked = groups.map((group, g) => ({
    ...group,
    sets: group.sets.map((set, s) => ({ ...set, accepted: !rejected.has(`${g}|${s}`) })),
  }));
  return {
    delimiters: { element: '*', component: ':', repetition: '^', segment: '~' },
    interchanges: [{ ...interchange, groups: marked }],
    issues,
    moreIssues: 0,
  };
}

function randomClaims(r: Random): ClaimStatusSet[] {
  const providers = [
    { entity: '2', name: 'CLINIC ONE', npi: '1234567893' },
    { entity: '1', name: 'JONES', firstName: 'ANN', npi: '1999999984' },
    { entity: '2', name: 'LAB TWO', npi: '1111111112' },
  ] as const;
  let index = 0;
  return Array.from({ length: r.int(1, 3) }, (_, s) => ({
    transactionSet: String(2000 + s),
    ...(r.chance(0.5) ? { batch: `B${s}` } : {}),
    receiver: { name: 'SUBMITTER', id: 'S1' },
    claims: Array.from({ length: r.int(1, 6) }, (): ClaimStatus => {
      index++;
      const from = `2026${String(r.int(1, 12)).padStart(2, '0')}${String(r.int(10, 28))}`;
      return {
        index,
        controlNumber: `PCN${index}`,
        chargeAmount: `${r.int(0, 99999)}${r.chance(0.5) ? `.${r.int(0, 99)}` : ''}`,
        status: r.chance(0.7) ? 'accepted' : 'rejected',
        serviceDates: { from, to: r.chance(0.5) ? from : `${from.slice(0, 6)}28` },
        patient: {
          lastName: `LAST${index}`,
          memberId: `M${index}`,
          ...(r.chance(0.8) ? { firstName: 'PAT' } : {}),
        },
        billingProvider: r.pick(providers),
      };
    }),
  }));
}

const cents = (amount: string) => Math.round(Number(amount) * 100);

describe('random inputs', () => {
  it('every 999 reads back clean, with its counts, and agrees with ackOutcome', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const r = prng(seed);
      const read = randomRead(r);
      const interchange = read.interchanges[0] as InterchangeSummary;
      const ack = write999(interchange, read.issues, { interchangeControl: seed, now: NOW });
      const back = readX12(new TextEncoder().encode(ack), undefined, { guides: ackGuideFor });
      expect(back.issues, `seed ${seed}`).toEqual([]);

      const segments = segmentsOf(ack);
      const ak9 = segments.filter((s) => s[0] === 'AK9');
      const ik5 = segments.filter((s) => s[0] === 'IK5');
      expect(ak9.length).toBe(interchange.groups.length);
      expect(ik5.length).toBe(interchange.groups.reduce((n, g) => n + g.sets.length, 0));
      for (const ik4 of segments.filter((s) => s[0] === 'IK4')) expect(ik4.length).toBeLessThanOrEqual(4);

      const outcome = ackOutcome(read);
      const codes = ak9.map((s) => s[1]);
      if (outcome === 'accepted') expect(codes.every((c) => c === 'A')).toBe(true);
      if (outcome === 'rejected') expect(codes.every((c) => c === 'R')).toBe(true);
      if (outcome === 'accepted-with-errors') expect(codes.some((c) => c === 'A' || c === 'P')).toBe(true);
      for (const s of ak9) {
        const accepted = Number(s[4]);
        expect(s[1] === 'A' ? accepted === Number(s[2]) : true).toBe(true);
        expect(s[1] === 'P' ? accepted > 0 && accepted < Number(s[2]) : true).toBe(true);
      }
    }
  });

  it('every 277CA reads back clean, with totals that add up', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const sets = randomClaims(prng(seed));
      const ack = write277ca(
        {
          control: '000000123',
          senderQualifier: 'ZZ',
          sender: 'SUBMITTER',
          receiverQualifier: 'ZZ',
          receiver: 'PIPELINE',
          date: '261201',
          time: '0930',
          usage: 'T',
        },
        sets,
        {
          interchangeControl: seed,
          now: NOW,
          receivedAt: RECEIVED,
          source: { name: 'PHI PIPELINE', id: 'PHIPIPE01' },
          trace: `SUB${seed}`,
        },
      );
      const back = readX12(new TextEncoder().encode(ack), undefined, { guides: ackGuideFor });
      expect(back.issues, `seed ${seed}`).toEqual([]);
      const segments = segmentsOf(ack);
      const claims = sets.flatMap((s) => s.claims);
      expect(segments.filter((s) => s[0] === 'HL' && s[3] === 'PT').length).toBe(claims.length);
      const receiverTotals = segments
        .filter((s) => s[0] === 'STC' && s[1] === 'A1:19:AY')
        .map((s) => cents(s[4] ?? ''));
      expect(receiverTotals).toEqual(
        sets.map((s) => s.claims.reduce((n, c) => n + cents(c.chargeAmount), 0)),
      );
      const accepted = segments
        .filter((s) => s[0] === 'QTY' && s[1] === 'QA')
        .reduce((n, s) => n + Number(s[2]), 0);
      expect(accepted).toBe(claims.filter((c) => c.status === 'accepted').length);
    }
  });
});
