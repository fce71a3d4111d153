import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../../shared/core/errors.js';
import {
  acknowledgeInterchange,
  ackOutcome,
  readIsaHeader,
  TA1_NOTE,
  write999,
  writeTa1,
} from '../../shared/core/x12/ack/index.js';
import type { X12Issue, X12ReadResult } from '../../shared/core/x12/read-model.js';
import { readX12 } from '../../shared/core/x12/reader.js';
import { ISA_LENGTH } from '../../shared/core/x12/tokenize.js';
import {
  issue,
  NOW,
  SAMPLE_837I,
  SAMPLE_837P,
  sample,
  segmentsOf,
  summarize,
  withIssues,
} from './x12-ack-fixtures.js';

const CANARY = 'CANARY-PHI-5e1c';
const OPTIONS = { interchangeControl: 4711, now: NOW };
const P = summarize(sample(SAMPLE_837P));
const I = summarize(sample(SAMPLE_837I));
const first = (r: X12ReadResult) => r.interchanges[0] as NonNullable<X12ReadResult['interchanges'][0]>;

const ids = (x12: string) => segmentsOf(x12).map((s) => s[0]);
const find = (x12: string, id: string) => segmentsOf(x12).filter((s) => s[0] === id);

/** Several sets in several groups, with names the tests can plant issues in. */
function multi(sets: number, groups = 1): X12ReadResult {
  const base = first(P);
  return {
    ...P,
    interchanges: [
      {
        ...base,
        groups: Array.from({ length: groups }, (_, g) => ({
          functional: 'HC',
          control: String(g + 1),
          version: '005010X222A1',
          sets: Array.from({ length: sets }, (_, s) => ({
            id: '837',
            control: `${g + 1}00${s + 1}`,
            version: '005010X222A1',
            segments: 40,
            claims: 1,
            accepted: true,
          })),
        })),
      },
    ],
  };
}

const at = (r: X12ReadResult, g: number, s: number, fields: Partial<X12Issue> & Pick<X12Issue, 'ack'>) =>
  issue(r, fields, { group: g, set: s });

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isPipelineError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

describe('TA1', () => {
  it('accepts a clean interchange in its own envelope, addressed back to the sender', () => {
    const ta1 = writeTa1(first(P), [], OPTIONS);
    expect(ta1.slice(0, ISA_LENGTH - 1).length).toBe(105);
    expect(ta1.charAt(ISA_LENGTH - 1)).toBe('~');
    const [isa, ta, iea, ...rest] = segmentsOf(ta1);
    expect(rest).toEqual([]);
    // ISA05/06 are the input's ISA07/08 and the other way round.
    expect(isa?.slice(5, 9)).toEqual(['30', '12345          ', '30', '000000005      ']);
    expect(isa?.slice(9, 16)).toEqual(['261203', '1845', '^', '00501', '000004711', '0', 'T']);
    expect(ta).toEqual(['TA1', '000000907', '131031', '1147', 'A', '000']);
    expect(iea).toEqual(['IEA', '0', '000004711']);
  });

  it('echoes ISA15 and uses the delimiters asked for', () => {
    const production = { ...first(I), usage: 'P' };
    const delimiters = { element: '|', component: '>', repetition: undefined, segment: '\n' };
    const ta1 = writeTa1(production, [], { ...OPTIONS, delimiters });
    expect(ta1.split('\n')[0]?.split('|')[15]).toBe('P');
    expect(ta1).toContain('TA1|000000907|131031|1147|A|000\n');
    expect(ta1.split('\n')[0]?.charAt(82)).toBe('^');
  });

  it('rejects with the note code of the first interchange-level issue, wherever it is planted', () => {
    for (const code of [TA1_NOTE.controlNumberMismatch, TA1_NOTE.invalidGroupCount, TA1_NOTE.invalidSender]) {
      const issues = [
        issue(P, { ack: { level: 'IK4', code: '7' }, segment: 'NM1', position: 8, element: 9 }),
        issue(P, {
          ack: { level: 'TA1', code },
          segment: 'IEA',
          group: undefined,
          transactionSet: undefined,
        }),
        issue(P, { ack: { level: 'TA1', code: '021' }, segment: 'IEA', group: undefined }),
      ];
      expect(find(writeTa1(first(P), issues, OPTIONS), 'TA1')[0]?.slice(4)).toEqual(['R', code]);
    }
  });

  it('rejects with 024 an issue that sits in no group; set and element issues leave it accepted', () => {
    const orphan = issue(P, {
      ack: { level: 'IK3', code: '2' },
      group: undefined,
      transactionSet: undefined,
    });
    expect(find(writeTa1(first(P), [orphan], OPTIONS), 'TA1')[0]?.slice(4)).toEqual(['R', '024']);
    const inner = [
      issue(P, { ack: { level: 'SET', code: '4' } }),
      issue(P, { ack: { level: 'IK4', code: '1' }, segment: 'NM1', position: 5, element: 9 }),
      issue(P, { ack: { level: 'GROUP', code: '5' }, transactionSet: undefined }),
    ];
    expect(find(writeTa1(first(P), inner, OPTIONS), 'TA1')[0]?.slice(4)).toEqual(['A', '000']);
  });

  it('ignores issues of another interchange', () => {
    const other = issue(P, { ack: { level: 'TA1', code: '001' }, interchange: 1 });
    expect(find(writeTa1(first(P), [other], OPTIONS), 'TA1')[0]?.slice(4)).toEqual(['A', '000']);
  });

  it('refuses control numbers out of range, a bad clock and clashing delimiters', () => {
    for (const interchangeControl of [0, -1, 1_000_000_000, 1.5]) {
      expect(codeOf(() => writeTa1(first(P), [], { ...OPTIONS, interchangeControl }))).toBe('config-invalid');
    }
    expect(codeOf(() => writeTa1(first(P), [], { ...OPTIONS, now: new Date(Number.NaN) }))).toBe(
      'config-invalid',
    );
    const clash = { element: '*', component: '*', repetition: '^', segment: '~' };
    expect(codeOf(() => writeTa1(first(P), [], { ...OPTIONS, delimiters: clash }))).toBe('config-invalid');
    const letter = { element: 'A', component: ':', repetition: '^', segment: '~' };
    expect(codeOf(() => writeTa1(first(P), [], { ...OPTIONS, delimiters: letter }))).toBe('config-invalid');
  });

  it('refuses to write a value holding a delimiter, naming the element and not the value', () => {
    const base = first(P);
    const bad = {
      ...base,
      groups: [{ ...(base.groups[0] as (typeof base.groups)[0]), functional: `H*${CANARY}` }],
    };
    try {
      write999(bad, [], OPTIONS);
      expect.unreachable();
    } catch (error) {
      if (!isPipelineError(error)) throw error;
      expect(error.code).toBe('content-invalid');
      expect(error.details?.expression).toBe('AK101');
      expect(JSON.stringify([error.message, error.details])).not.toContain(CANARY);
    }
    // The TA1 never gets that far: a date that is not one is answered as zeros.
    expect(find(writeTa1({ ...base, date: `13*${CANARY}` }, [], OPTIONS), 'TA1')[0]?.[2]).toBe('000000');
  });

  it('refuses an interchange with no usable address', () => {
    for (const field of ['sender', 'receiver', 'senderQualifier', 'receiverQualifier'] as const) {
      expect(codeOf(() => writeTa1({ ...first(P), [field]: '' }, [], OPTIONS))).toBe('config-invalid');
    }
    expect(codeOf(() => writeTa1({ ...first(P), sender: 'X'.repeat(16) }, [], OPTIONS))).toBe(
      'config-invalid',
    );
  });
});

describe('999', () => {
  it('accepts a clean 837P and a clean 837I, one AK2 per set', () => {
    for (const [result, version, st02] of [
      [P, '005010X222A2', '0021'],
      [I, '005010X223A3', '987654'],
    ] as const) {
      const ack = write999(first(result), [], { ...OPTIONS, groupControl: 12 });
      expect(ids(ack)).toEqual(['ISA', 'GS', 'ST', 'AK1', 'AK2', 'IK5', 'AK9', 'SE', 'GE', 'IEA']);
      expect(find(ack, 'GS')[0]).toEqual([
        'GS',
        'FA',
        '12345',
        '000000005',
        '20261203',
        '1845',
        '12',
        'X',
        '005010X231A1',
      ]);
      expect(find(ack, 'ST')[0]).toEqual(['ST', '999', '0001', '005010X231A1']);
      expect(find(ack, 'AK1')[0]).toEqual(['AK1', 'HC', '1', version]);
      expect(find(ack, 'AK2')[0]).toEqual(['AK2', '837', st02, version]);
      expect(find(ack, 'IK5')[0]).toEqual(['IK5', 'A']);
      expect(find(ack, 'AK9')[0]).toEqual(['AK9', 'A', '1', '1', '1']);
      expect(find(ack, 'SE')[0]).toEqual(['SE', '6', '0001']);
      expect(find(ack, 'GE')[0]).toEqual(['GE', '1', '12']);
      expect(find(ack, 'IEA')[0]).toEqual(['IEA', '1', '000004711']);
    }
  });

  it('rejects a set with IK3/IK4 for a missing element and a bad code, loop ids included', () => {
    const issues = [
      issue(P, {
        ack: { level: 'IK4', code: '1' },
        loop: '2010BA',
        segment: 'NM1',
        position: 19,
        element: 9,
      }),
      issue(P, {
        ack: { level: 'IK4', code: '7' },
        loop: '2300',
        segment: 'CLM',
        position: 28,
        element: 5,
        component: 2,
      }),
      issue(P, { ack: { level: 'IK3', code: '3' }, loop: '2010AA', segment: 'N4', position: 11 }),
      issue(P, { ack: { level: 'IK4', code: '7' }, loop: 'HEADER', segment: 'BHT', position: 2, element: 6 }),
    ];
    const ack = write999(first(P), issues, OPTIONS);
    const body = segmentsOf(ack).filter((s) => ['IK3', 'IK4', 'IK5', 'AK9'].includes(s[0] ?? ''));
    expect(body).toEqual([
      ['IK3', 'BHT', '2', '', '8'],
      ['IK4', '6', '', '7'],
      ['IK3', 'N4', '11', '2010AA', '3'],
      ['IK3', 'NM1', '19', '2010BA', '8'],
      ['IK4', '9', '', '1'],
      ['IK3', 'CLM', '28', '2300', '8'],
      ['IK4', '5:2', '', '7'],
      ['IK5', 'R', 'I5'],
      ['AK9', 'R', '1', '1', '0'],
    ]);
  });

  it('never writes IK404 nor any message, expression or value of an issue', () => {
    const issues = [
      issue(P, {
        ack: { level: 'IK4', code: '6' },
        loop: '2010BA',
        segment: 'NM1',
        position: 19,
        element: 3,
        message: `bad ${CANARY}`,
        expression: `2010BA/NM1[19]/NM103 ${CANARY}`,
      }),
    ];
    const ack = write999(first(P), issues, OPTIONS);
    expect(ack).not.toContain(CANARY);
    for (const ik4 of find(ack, 'IK4')) expect(ik4.length).toBeLessThanOrEqual(4);
    // The sample's subscriber name must not travel back either.
    expect(ack).not.toContain('SMITH');
  });

  it('does not echo an unrecognised segment id; the set is still rejected', () => {
    for (const segment of ['?', 'n1', `X${CANARY}`, undefined]) {
      const issues = [issue(P, { ack: { level: 'IK3', code: '1' }, loop: '2000B', segment, position: 18 })];
      const ack = write999(first(P), issues, OPTIONS);
      expect(find(ack, 'IK3')).toEqual([]);
      expect(find(ack, 'IK5')).toEqual([['IK5', 'R', 'I5']]);
      expect(ack).not.toContain(CANARY);
    }
  });

  it('merges a segment error and its element errors into one IK3 and keeps the segment code', () => {
    const issues = [
      issue(P, { ack: { level: 'IK4', code: '1' }, loop: '2300', segment: 'CLM', position: 28, element: 2 }),
      issue(P, { ack: { level: 'IK3', code: 'I6' }, loop: '2300', segment: 'CLM', position: 28 }),
    ];
    const ack = write999(first(P), issues, OPTIONS);
    expect(find(ack, 'IK3')).toEqual([['IK3', 'CLM', '28', '2300', 'I6']]);
    expect(find(ack, 'IK4')).toEqual([['IK4', '2', '', '1']]);
  });

  it('answers P when some sets are accepted, with the right counts, in every group', () => {
    const r = multi(3, 2);
    const issues = [
      at(r, 0, 1, { ack: { level: 'IK3', code: '2' }, loop: '2400', segment: 'SV1', position: 30 }),
      at(r, 1, 0, { ack: { level: 'SET', code: '4' } }),
      at(r, 1, 2, { ack: { level: 'IK4', code: '1' }, snip: 1, segment: 'CLM', position: 9, element: 1 }),
    ];
    const ack = write999(first(r), issues, OPTIONS);
    expect(find(ack, 'ST').map((s) => s[2])).toEqual(['0001', '0002']);
    expect(find(ack, 'AK2').map((s) => s[2])).toEqual(['1001', '1002', '1003', '2001', '2002', '2003']);
    expect(find(ack, 'IK5')).toEqual([
      ['IK5', 'A'],
      ['IK5', 'R', 'I5'],
      ['IK5', 'A'],
      ['IK5', 'R', '4'],
      ['IK5', 'A'],
      ['IK5', 'R', '5'],
    ]);
    expect(find(ack, 'AK9')).toEqual([
      ['AK9', 'P', '3', '3', '2'],
      ['AK9', 'P', '3', '3', '1'],
    ]);
    expect(find(ack, 'GE')[0]?.[1]).toBe('2');
    expect(ackOutcome(withIssues(r, issues))).toBe('accepted-with-errors');
  });

  it('rejects the group on a group-level issue, with its AK905 codes', () => {
    const r = multi(2);
    const issues = [
      at(r, 0, 0, { ack: { level: 'GROUP', code: '5' }, transactionSet: undefined }),
      at(r, 0, 0, { ack: { level: 'GROUP', code: '4' }, transactionSet: undefined }),
    ];
    const ack = write999(first(r), issues, OPTIONS);
    expect(find(ack, 'AK9')).toEqual([['AK9', 'R', '2', '2', '2', '5', '4']]);
    expect(ackOutcome(withIssues(r, issues))).toBe('rejected');
  });

  it('rejects a set the reader marked not accepted even when its issues were past the cap', () => {
    const r = multi(2);
    const g = first(r).groups[0];
    const capped: X12ReadResult = {
      ...r,
      moreIssues: 3,
      interchanges: [
        {
          ...first(r),
          groups: [
            {
              ...(g as NonNullable<typeof g>),
              sets: (g?.sets ?? []).map((s, i) => ({ ...s, accepted: i === 0 })),
            },
          ],
        },
      ],
    };
    expect(find(write999(first(capped), [], OPTIONS), 'IK5')).toEqual([
      ['IK5', 'A'],
      ['IK5', 'R'],
    ]);
  });

  it('writes a situational trigger as CTX when the issue carries one', () => {
    const withTrigger = {
      ...issue(P, { ack: { level: 'IK3', code: 'I7' }, loop: '2000C', segment: 'HL', position: 22 }),
      trigger: { segment: 'SBR', position: 17, loop: '2000B', element: 2 },
    };
    const ack = write999(first(P), [withTrigger], OPTIONS);
    expect(find(ack, 'CTX')).toEqual([['CTX', 'SITUATIONAL TRIGGER', 'SBR', '17', '2000B', '2']]);
  });

  it('counts SE01, GE01 and IEA01 from what it wrote', () => {
    const r = multi(4, 3);
    const issues = [
      at(r, 2, 3, { ack: { level: 'IK4', code: '1' }, segment: 'NM1', position: 7, element: 3 }),
    ];
    const segments = segmentsOf(write999(first(r), issues, OPTIONS));
    let inSet = 0;
    let sets = 0;
    let groups = 0;
    for (const s of segments) {
      if (s[0] === 'ST') inSet = 0;
      inSet++;
      if (s[0] === 'SE') {
        expect(Number(s[1])).toBe(inSet);
        sets++;
      }
      if (s[0] === 'GE') expect(Number(s[1])).toBe(sets);
      if (s[0] === 'GS') groups++;
      if (s[0] === 'IEA') expect(Number(s[1])).toBe(groups);
    }
    expect(sets).toBe(3);
  });
});

describe('ackOutcome', () => {
  it('is accepted for clean files, rejected when nothing is or the envelope is wrong', () => {
    expect(ackOutcome(P)).toBe('accepted');
    expect(ackOutcome(I)).toBe('accepted');
    expect(ackOutcome({ ...P, interchanges: [] })).toBe('rejected');
    const envelope = [issue(P, { ack: { level: 'TA1', code: '001' }, group: undefined })];
    expect(ackOutcome(withIssues(P, envelope))).toBe('rejected');
    const inSet = [issue(P, { ack: { level: 'IK3', code: '3' }, segment: 'N4', position: 9 })];
    expect(ackOutcome(withIssues(P, inSet))).toBe('rejected');
    const r = multi(2);
    const all = [0, 1].map((s) => at(r, 0, s, { ack: { level: 'SET', code: '4' } }));
    expect(ackOutcome(withIssues(r, all))).toBe('rejected');
    expect(ackOutcome(withIssues(r, all.slice(1)))).toBe('accepted-with-errors');
  });
});

describe('acknowledgeInterchange', () => {
  const options = { ...OPTIONS, functionalControl: 4712 };

  // Where a control number or identifier belongs, a broken file can hold anything: what is not the
  // syntax of one is never echoed. The TA1 answers with zeros; a GS or ST it cannot name in a 999
  // makes the TA1 reject the content (024), with no 999.
  const text = new TextDecoder().decode(sample(SAMPLE_837P));
  const segment = (id: string) =>
    text.split('~').find((s) => s.replace(/^\s+/, '').startsWith(`${id}*`)) ?? '';
  const planted = (id: string, element: number, value: string) => {
    const original = segment(id);
    const elements = original.split('*');
    elements[element] = value;
    return new TextEncoder().encode(text.replace(original, elements.join('*')));
  };
  it.each([
    ['GS01', 'GS', 1, 'ZQXTAFELA'],
    ['GS06', 'GS', 6, 'PW3140KUGE'],
    ['GS08', 'GS', 8, 'GRP967942'],
    ['ST01', 'ST', 1, 'ZQXDOLIMU'],
    ['ST02', 'ST', 2, 'VKR753200986'],
    ['ST03', 'ST', 3, 'ZQX 100839217'],
  ] as const)('never echoes what sits in %s when it is not an identifier', (_, id, element, value) => {
    const bytes = planted(id, element, value);
    const result = readX12(bytes);
    const ack = acknowledgeInterchange(result, bytes, options);
    expect(`${JSON.stringify(result.issues)}${ack.ta1}${ack.functional ?? ''}`).not.toContain(value);
    expect(ack).toMatchObject({ outcome: 'rejected', functional: undefined });
    expect(find(ack.ta1 ?? '', 'TA1')[0]?.slice(4)).toEqual(['R', '024']);
  });

  it.each([
    ['ISA13', 13, 'A1B2C3D4E', 1],
    ['ISA09', 9, 'ZQXTAF', 2],
    ['ISA10', 10, 'ZQXT', 3],
  ] as const)('answers %s with zeros in the TA1 when it is not its syntax', (_, element, value, at) => {
    const isa = segment('ISA');
    const elements = isa.split('*');
    elements[element] = value;
    const bytes = new TextEncoder().encode(text.replace(isa, elements.join('*')));
    const ack = acknowledgeInterchange(readX12(bytes), bytes, options);
    const ta1 = find(ack.ta1 ?? '', 'TA1')[0] ?? [];
    expect(ack.ta1).not.toContain(value);
    expect(ta1[at]).toMatch(/^0+$/);
    expect(ta1[4]).toBe('R');
  });

  it('answers a clean file with an accepting TA1 and a 999, two interchanges of ours', () => {
    const ack = acknowledgeInterchange(P, sample(SAMPLE_837P), options);
    expect(ack.outcome).toBe('accepted');
    expect(find(ack.ta1 ?? '', 'TA1')[0]?.slice(4)).toEqual(['A', '000']);
    expect(find(ack.functional ?? '', 'IEA')[0]).toEqual(['IEA', '1', '000004712']);
    expect(find(ack.functional ?? '', 'GS')[0]?.[6]).toBe('4712');
  });

  it('sends a rejecting TA1 alone when the envelope is wrong', () => {
    const broken = withIssues(P, [
      issue(P, { ack: { level: 'TA1', code: '001' }, segment: 'IEA', group: undefined }),
    ]);
    const ack = acknowledgeInterchange(broken, sample(SAMPLE_837P), options);
    expect(ack).toMatchObject({ outcome: 'rejected', functional: undefined });
    expect(find(ack.ta1 ?? '', 'TA1')[0]?.slice(4)).toEqual(['R', '001']);
  });

  it('rejects an interchange holding no functional group with a TA1 024 and no 999', () => {
    const empty = { ...P, interchanges: [{ ...first(P), groups: [] }] };
    const ack = acknowledgeInterchange(empty, sample(SAMPLE_837P), options);
    expect(ack).toMatchObject({ outcome: 'rejected', functional: undefined });
    expect(find(ack.ta1 ?? '', 'TA1')[0]?.slice(4)).toEqual(['R', '024']);
    expect(codeOf(() => write999(first(empty), [], OPTIONS))).toBe('content-invalid');
    expect(ackOutcome(empty)).toBe('rejected');
  });

  it('addresses a TA1 from the raw ISA when the bytes could not be read', () => {
    const bytes = new TextEncoder().encode(
      `${new TextDecoder().decode(sample(SAMPLE_837P).subarray(0, ISA_LENGTH))}GS*HC*${CANARY}`,
    );
    const ack = acknowledgeInterchange(undefined, bytes, options);
    expect(ack.outcome).toBe('rejected');
    expect(ack.functional).toBeUndefined();
    expect(find(ack.ta1 ?? '', 'TA1')[0]).toEqual(['TA1', '000000907', '131031', '1147', 'R', '022']);
    const premature = acknowledgeInterchange(undefined, bytes, { ...options, unreadableNote: '023' });
    expect(find(premature.ta1 ?? '', 'TA1')[0]?.[5]).toBe('023');
    expect(premature.ta1).not.toContain(CANARY);
    expect(acknowledgeInterchange(undefined, new TextEncoder().encode('hello'), options).ta1).toBeUndefined();
  });
});

describe('readIsaHeader', () => {
  it('reads the addressing of a fixed-width ISA, whatever its separator', () => {
    const isa = new TextDecoder().decode(sample(SAMPLE_837I).subarray(0, ISA_LENGTH));
    for (const separator of ['*', '|', '!']) {
      const header = readIsaHeader(new TextEncoder().encode(isa.replaceAll('*', separator)));
      expect(header).toEqual({
        control: '000000907',
        senderQualifier: '30',
        sender: '000000005',
        receiverQualifier: '30',
        receiver: '12345',
        date: '131031',
        time: '1147',
        usage: 'T',
      });
    }
  });

  it('gives nothing for a short, shifted, alphanumeric-separated or unaddressed ISA', () => {
    const isa = new TextDecoder().decode(sample(SAMPLE_837I).subarray(0, ISA_LENGTH));
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(readIsaHeader(enc(isa.slice(0, 100)))).toBeUndefined();
    expect(readIsaHeader(enc(`X${isa.slice(1)}`))).toBeUndefined();
    expect(readIsaHeader(enc(isa.replace('*03*', '*003*')))).toBeUndefined();
    expect(readIsaHeader(enc(isa.replaceAll('*', 'A')))).toBeUndefined();
    expect(readIsaHeader(enc(isa.replace('000000005      ', '               ')))).toBeUndefined();
    expect(readIsaHeader(enc(isa.replace('131031', '13\u00e91031'.slice(0, 6))))).toBeUndefined();
  });
});
