import { describe, expect, it } from 'vitest';
import type { X12Issue } from '../../shared/core/x12/read-model.js';
import { readX12 } from '../../shared/core/x12/reader.js';
import { claimFileAccepted, validateClaimFile } from '../../shared/core/x12/validate.js';
import { envelope, testGuides, VALID_SET } from './x12-reader-fixture.js';

/**
 * Each check of SNIP levels 1–4, planted in at least three places of its kind in a valid file
 * (x12-reader-fixture.ts, positions: ST 1, BHT 2 … SE 39). Every case asserts the complete list of
 * issues, so a check that fires where it should not fails too.
 */

const CANARY = 'CANARYVALUE';
/** The valid set with a canary in every name, so a value leaking into an issue shows. */
const BASE = VALID_SET.map((line) =>
  line.replace('DOE*JOHN', `${CANARY}*JOHN`).replace('ROE*JIM', `${CANARY}*JIM`),
);
const bytes = (text: string) => new TextEncoder().encode(text);

type Edit = (lines: string[]) => string[];
/** Replaces the segment at a position (ST = 1; the set's lines start at position 2). */
const at =
  (position: number, line: string): Edit =>
  (lines) =>
    lines.map((l, i) => (i === position - 2 ? line : l));
/** Edits the segment at a position with a function of its text. */
const change =
  (position: number, edit: (line: string) => string): Edit =>
  (lines) =>
    lines.map((l, i) => (i === position - 2 ? edit(l) : l));
const insertAfter =
  (position: number, line: string): Edit =>
  (lines) => [...lines.slice(0, position - 1), line, ...lines.slice(position - 1)];
const remove =
  (position: number): Edit =>
  (lines) =>
    lines.filter((_, i) => i !== position - 2);
const swap =
  (position: number): Edit =>
  (lines) =>
    lines.map(
      (l, i) => (i === position - 2 ? lines[i + 1] : i === position - 1 ? lines[i - 1] : l) as string,
    );
const both =
  (...edits: Edit[]): Edit =>
  (lines) =>
    edits.reduce((acc, edit) => edit(acc), lines);

function issuesOf(text: string): readonly X12Issue[] {
  const result = readX12(bytes(text), undefined, { guides: testGuides });
  for (const issue of result.issues) {
    expect(issue.message).not.toContain(CANARY);
    expect(issue.expression).not.toContain(CANARY);
  }
  return result.issues;
}
const planted = (edit: Edit) => issuesOf(envelope(edit([...BASE])));
const summary = (issues: readonly X12Issue[]) =>
  issues.map((i) => `${i.expression} ${i.ack.level}:${i.ack.code} snip${i.snip}`);

describe('validation of a valid file', () => {
  it('finds nothing', () => {
    expect(planted((l) => l)).toEqual([]);
    expect(claimFileAccepted(validateClaimFile(bytes(envelope(BASE)), { guides: testGuides }))).toBe(true);
  });
});

describe('SNIP 1: envelopes, control numbers and counts', () => {
  const file = envelope(BASE);
  const cases: [string, string, string, string][] = [
    ['SE*39*0001', 'SE*40*0001', 'SE01', 'SET:4'],
    ['SE*39*0001', 'SE*38*0001', 'SE01', 'SET:4'],
    ['SE*39*0001', 'SE*3O*0001', 'SE01', 'SET:4'],
    ['SE*39*0001', 'SE*39*0002', 'SE02', 'SET:3'],
    ['SE*39*0001', 'SE*39*', 'SE02', 'SET:3'],
    ['SE*39*0001', 'SE*39*00001', 'SE02', 'SET:3'],
    ['GE*1*1', 'GE*2*1', 'GE01', 'GROUP:5'],
    ['GE*1*1', 'GE*0*1', 'GE01', 'GROUP:5'],
    ['GE*1*1', 'GE**1', 'GE01', 'GROUP:5'],
    ['GE*1*1', 'GE*1*2', 'GE02', 'GROUP:4'],
    ['GE*1*1', 'GE*1*01', 'GE02', 'GROUP:4'],
    ['GE*1*1', 'GE*1', 'GE02', 'GROUP:4'],
    ['IEA*1*000000123', 'IEA*2*000000123', 'IEA01', 'TA1:021'],
    ['IEA*1*000000123', 'IEA*0*000000123', 'IEA01', 'TA1:021'],
    ['IEA*1*000000123', 'IEA*X*000000123', 'IEA01', 'TA1:021'],
    ['IEA*1*000000123', 'IEA*1*000000124', 'IEA02', 'TA1:001'],
    ['IEA*1*000000123', 'IEA*1*123', 'IEA02', 'TA1:001'],
    ['IEA*1*000000123', 'IEA*1', 'IEA02', 'TA1:001'],
    ['*005010X222A1~\nST', '*005010X222A9~\nST', 'GS08', 'GROUP:2'],
    ['*005010X222A1~\nST', '*004010X098A1~\nST', 'GS08', 'GROUP:2'],
    ['*005010X222A1~\nST', '*005010X223A2~\nST', 'GS08', 'GROUP:2'],
    ['ST*837*0001*005010X222A1', 'ST*837*0001*005010X222A2', 'ST03', 'SET:I6'],
    ['ST*837*0001*005010X222A1', 'ST*837*0001', 'ST03', 'SET:I6'],
    ['ST*837*0001*005010X222A1', 'ST*837*0001*X', 'ST03', 'SET:I6'],
    ['GS*HC*', 'GS*HP*', 'GS01', 'GROUP:1'],
    ['GS*HC*', 'GS*FA*', 'GS01', 'GROUP:1'],
    ['GS*HC*', 'GS**', 'GS01', 'GROUP:1'],
  ];
  it.each(cases)('%s -> %s: %s', (from, to, expression, ack) => {
    const issues = issuesOf(file.replace(from, to));
    expect(issues.map((i) => `${i.expression} ${i.ack.level}:${i.ack.code}`)).toContain(
      `${expression} ${ack}`,
    );
    expect(issues.every((i) => i.position === 0 || i.expression.startsWith('S'))).toBe(true);
  });

  it('checks ISA13 in three ways', () => {
    for (const bad of ['00000012A', ' 00000123', '-00000123']) {
      const issues = issuesOf(file.replaceAll('000000123', bad));
      expect(summary(issues)).toEqual(['ISA13 TA1:018 snip1']);
    }
  });

  it('refuses a set with no SE, a group with no GE and an interchange with no IEA', () => {
    expect(summary(issuesOf(file.replace('SE*39*0001~\n', '')))).toContain('SE SET:2 snip1');
    expect(summary(issuesOf(file.replace('GE*1*1~\n', '')))).toContain('GE GROUP:3 snip1');
    expect(summary(issuesOf(file.replace('IEA*1*000000123~\n', '')))).toEqual(['IEA TA1:023 snip1']);
  });

  it('reads several interchanges and checks each', () => {
    const two = `${file}${envelope(BASE, { control: '000000124' }).replace('IEA*1*000000124', 'IEA*1*000000125')}`;
    const issues = issuesOf(two);
    expect(issues.map((i) => [i.expression, i.interchange])).toEqual([['IEA02', 1]]);
  });
});

describe('SNIP 2: loops and segments', () => {
  const cases: [string, Edit, string[]][] = [
    // IK304 2: a segment the guide has, where it may not be.
    ['unexpected SBR in 1000A', insertAfter(4, 'SBR*P*18'), ['1000A/SBR[5] IK3:2 snip2']],
    ['unexpected PAT in the header', insertAfter(2, 'PAT'), ['HEADER/PAT[3] IK3:2 snip2']],
    ['unexpected CLM in 2010AA', insertAfter(10, 'CLM*Z*1***11:B:1*Y'), ['2010AA/CLM[11] IK3:2 snip2']],
    // IK304 3: required segments and loops missing, at the place they were expected.
    ['no N3 in 2010AA', remove(8), ['2010AA/N3[8] IK3:3 snip2']],
    ['no N3 in 2010CA', remove(32), ['2010CA/N3[32] IK3:3 snip2']],
    ['no HI in 2300', remove(18), ['2300/HI[18] IK3:3 snip2']],
    ['no PER in 1000A', remove(4), ['1000A/PER[4] IK3:3 snip2']],
    ['no 1000B', remove(5), ['1000B/NM1[5] IK3:3 snip2']],
    ['no 2010BB', remove(28), ['2010BB/NM1[28] IK3:3 snip2']],
    // A loop whose first segment is missing: opened without it, the rest read in place.
    ['no LX before the first line', remove(19), ['2400/LX[19] IK3:3 snip2']],
    ['no LX before the second line', remove(22), ['2400/LX[22] IK3:3 snip2']],
    ['no LX in the patient claim', remove(36), ['2400/LX[36] IK3:3 snip2']],
    // IK304 4: a loop repeated over its maximum.
    ['two 1000B', insertAfter(5, 'NM1*40*2*RECEIVER CO*****46*111222333'), ['1000B/NM1[6] IK3:4 snip2']],
    ['two 2010BB', insertAfter(15, 'NM1*PR*2*PAYER CO*****PI*11122333'), ['2010BB/NM1[16] IK3:4 snip2']],
    [
      'two 2010CA',
      insertAfter(33, 'NM1*QC*1*ROE*JIM'),
      ['2010CA/NM1[34] IK3:4 snip2', '2010CA/N3[35] IK3:3 snip2', '2010CA/N4[35] IK3:3 snip2'],
    ],
    // IK304 5: a segment repeated over its maximum.
    ['two REF EI', insertAfter(10, 'REF*EI*123456789'), ['2010AA/REF[11] IK3:5 snip2']],
    ['two DMG', insertAfter(14, 'DMG*D8*19611124*M'), ['2010BA/DMG[15] IK3:5 snip2']],
    ['two HI', insertAfter(18, 'HI*ABK:J45'), ['2300/HI[19] IK3:5 snip2']],
    // IK304 7: a segment of the loop after its place.
    ['N4 before N3 in 2010AA', swap(8), ['2010AA/N3[9] IK3:7 snip2']],
    ['N4 before N3 in 2010CA', swap(32), ['2010CA/N3[33] IK3:7 snip2']],
    ['HI before DTP in 2300', swap(17), ['2300/DTP[18] IK3:7 snip2']],
    // IK304 1: not a segment id.
    ['bad id in 1000A', insertAfter(4, 'P3R*IC'), ['1000A/?[5] IK3:1 snip2']],
    [
      'lower-case id in 2010AA',
      change(9, (l) => l.replace('N4', 'n4')),
      ['2010AA/?[9] IK3:1 snip2', '2010AA/N4[10] IK3:3 snip2'],
    ],
    ['empty id in 2400', insertAfter(21, '*1'), ['2400/?[22] IK3:1 snip2']],
  ];
  it.each(cases)('%s', (_name, edit, expected) => {
    expect(summary(planted(edit))).toEqual(expected);
  });
});

describe('SNIP 1-2: elements and components', () => {
  const long = (n: number) => CANARY.repeat(Math.ceil(n / CANARY.length)).slice(0, n);
  const cases: [string, Edit, string[]][] = [
    [
      'NM102 missing',
      change(3, (l) => l.replace('NM1*41*2*', 'NM1*41**')),
      ['1000A/NM1[3]/NM102 IK4:1 snip2'],
    ],
    ['SBR01 missing', at(12, 'SBR**18'), ['2000B/SBR[12]/SBR01 IK4:1 snip2']],
    ['LX01 missing', at(19, 'LX'), ['2400/LX[19]/LX01 IK4:1 snip2']],
    ['LX02 extra', at(19, 'LX*1*2'), ['2400/LX[19]/LX02 IK4:3 snip1']],
    ['N303 extra', at(8, 'N3*1 MAIN ST*APT 1*X'), ['2010AA/N3[8]/N303 IK4:3 snip1']],
    ['SBR03 extra', at(12, 'SBR*P*18*X'), ['2000B/SBR[12]/SBR03 IK4:3 snip1']],
    ['empty trailing elements are layout', at(12, 'SBR*P*18**'), []],
    ['NM109 short', change(7, (l) => l.replace('*1234567890', '*1')), ['2010AA/NM1[7]/NM109 IK4:4 snip2']],
    ['N403 short', at(9, 'N4*TOWN*MD*20'), ['2010AA/N4[9]/N403 IK4:4 snip2']],
    [
      'NM109 short in 2010BB',
      change(15, (l) => l.replace('*11122333', '*1')),
      ['2010BB/NM1[15]/NM109 IK4:4 snip2'],
    ],
    ['NM103 long', change(13, (l) => l.replace(CANARY, long(61))), ['2010BA/NM1[13]/NM103 IK4:5 snip2']],
    ['N301 long', at(32, `N3*${long(56)}`), ['2010CA/N3[32]/N301 IK4:5 snip2']],
    [
      'CLM01 long',
      change(16, (l) => l.replace('CLM*A1', `CLM*${long(39)}`)),
      ['2300/CLM[16]/CLM01 IK4:5 snip2'],
    ],
    ['SV102 letters', change(20, (l) => l.replace('60.25', '6O.25')), ['2400/SV1[20]/SV102 IK4:6 snip1']],
    ['CLM02 comma', change(16, (l) => l.replace('100.50', '100,50')), ['2300/CLM[16]/CLM02 IK4:6 snip1']],
    ['LX01 letter', at(19, 'LX*A'), ['2400/LX[19]/LX01 IK4:6 snip1']],
    ['NM102 code', change(3, (l) => l.replace('NM1*41*2*', 'NM1*41*3*')), ['1000A/NM1[3]/NM102 IK4:7 snip2']],
    ['SBR01 code', at(12, 'SBR*Z*18'), ['2000B/SBR[12]/SBR01 IK4:7 snip2']],
    ['BHT06 code', change(2, (l) => l.replace('*CH', '*XX')), ['HEADER/BHT[2]/BHT06 IK4:7 snip2']],
    ['BHT04 date', change(2, (l) => l.replace('20230101', '20230231')), ['HEADER/BHT[2]/BHT04 IK4:8 snip1']],
    ['DMG02 date', at(14, 'DMG*D8*19611324*M'), ['2010BA/DMG[14]/DMG02 IK4:8 snip1']],
    ['DTP03 D8 date', at(21, 'DTP*472*D8*20230132'), ['2400/DTP[21]/DTP03 IK4:8 snip1']],
    ['DTP03 RD8 reversed', at(24, 'DTP*472*RD8*20230106-20230105'), ['2400/DTP[24]/DTP03 IK4:8 snip1']],
    ['DTP03 RD8 not a range', at(24, 'DTP*472*RD8*20230106'), ['2400/DTP[24]/DTP03 IK4:8 snip1']],
    ['DTP03 D8 too short', at(17, 'DTP*431*D8*2023010'), ['2300/DTP[17]/DTP03 IK4:8 snip1']],
    ['BHT05 hour', change(2, (l) => l.replace('*0932*', '*2432*')), ['HEADER/BHT[2]/BHT05 IK4:9 snip1']],
    ['BHT05 minute', change(2, (l) => l.replace('*0932*', '*0960*')), ['HEADER/BHT[2]/BHT05 IK4:9 snip1']],
    ['BHT05 seconds', change(2, (l) => l.replace('*0932*', '*093261*')), ['HEADER/BHT[2]/BHT05 IK4:9 snip1']],
    [
      'NM106 used in 1000A',
      change(3, (l) => l.replace('SUBMITTER CO***', 'SUBMITTER CO***DR')),
      ['1000A/NM1[3]/NM106 IK4:10 snip2'],
    ],
    [
      'NM106 used in 2010AA',
      change(7, (l) => l.replace('GROUP***', 'GROUP***DR')),
      ['2010AA/NM1[7]/NM106 IK4:10 snip2'],
    ],
    [
      'NM106 used in 2010BA',
      change(13, (l) => l.replace('JOHN**', 'JOHN**DR')),
      ['2010BA/NM1[13]/NM106 IK4:10 snip2'],
    ],
    ['a repetition separator in N301', at(8, 'N3*1^MAIN'), ['2010AA/N3[8]/N301 IK4:12 snip1']],
    [
      'CLM05-2 missing',
      change(16, (l) => l.replace('11:B:1', '11::1')),
      ['2300/CLM[16]/CLM05-2 IK4:1 snip2'],
    ],
    ['HI01-2 missing', change(35, () => 'HI*ABK'), ['2300/HI[35]/HI01-2 IK4:1 snip2']],
    ['SV101-2 missing', change(23, (l) => l.replace('HC:99212', 'HC')), ['2400/SV1[23]/SV101-2 IK4:1 snip2']],
    ['SV101-1 code', change(37, (l) => l.replace('HC:', 'XX:')), ['2400/SV1[37]/SV101-1 IK4:7 snip2']],
    ['CLM05-3 code', change(34, (l) => l.replace('11:B:1', '11:B:9')), ['2300/CLM[34]/CLM05-3 IK4:7 snip2']],
    ['HI02-1 code', change(18, (l) => l.replace('ABF:', 'ABK:')), ['2300/HI[18]/HI02-1 IK4:7 snip2']],
    [
      'SV101 too many components',
      change(20, (l) => l.replace('HC:99211:25', 'HC:99211:25:1')),
      ['2400/SV1[20]/SV101 IK4:13 snip1'],
    ],
    // The qualifier that tells segments apart is wrong: placed by id, the code is refused.
    [
      'NM101 code in 2010AA',
      change(7, (l) => l.replace('NM1*85', 'NM1*86')),
      ['2010AA/NM1[7]/NM101 IK4:7 snip2'],
    ],
    ['REF01 code in 2010AA', at(10, 'REF*XX*123456789'), ['2010AA/REF[10]/REF01 IK4:7 snip2']],
    ['DTP01 code in 2400', at(21, 'DTP*999*D8*20230105'), ['2400/DTP[21]/DTP01 IK4:7 snip2']],
  ];
  it.each(cases)('%s', (_name, edit, expected) => {
    expect(summary(planted(edit))).toEqual(expected);
  });
});

describe('SNIP 3: balancing', () => {
  const cases: [string, Edit, string[]][] = [
    [
      'CLM02 a cent high',
      change(16, (l) => l.replace('100.50', '100.51')),
      ['2300/CLM[16]/CLM02 IK4:I12 snip3'],
    ],
    [
      'a line a cent high',
      change(20, (l) => l.replace('60.25', '60.26')),
      ['2300/CLM[16]/CLM02 IK4:I12 snip3'],
    ],
    ['second claim', change(34, (l) => l.replace('B1*12', 'B1*13')), ['2300/CLM[34]/CLM02 IK4:I12 snip3']],
    [
      'cents are exact: 0.1 + 0.2 = 0.3',
      both(
        at(20, 'SV1*HC:99211:25*0.1*UN*1'),
        at(23, 'SV1*HC:99212*0.2*UN*1'),
        change(16, (l) => l.replace('100.50', '0.3')),
      ),
      [],
    ],
    [
      'trailing zeros do not matter',
      both(
        change(16, (l) => l.replace('100.50', '100.5')),
        change(23, (l) => l.replace('40.25', '40.250')),
      ),
      [],
    ],
    ['integers and decimals', both(change(34, (l) => l.replace('B1*12', 'B1*12.00'))), []],
  ];
  it.each(cases)('%s', (_name, edit, expected) => {
    expect(summary(planted(edit))).toEqual(expected);
  });
});

describe('SNIP 4: situations', () => {
  const cases: [string, Edit, string[]][] = [
    [
      'HL02 on the billing provider',
      at(6, 'HL*1*1*20*1'),
      ['2000A/HL[6]/HL02 IK4:7 snip4', '2000A/HL[6]/HL02 IK4:10 snip2'],
    ],
    ['HL02 of a subscriber names no HL', at(11, 'HL*2*5*22*0'), ['2000B/HL[11]/HL02 IK4:7 snip4']],
    [
      'HL02 of a patient names the billing provider',
      at(29, 'HL*4*1*23*0'),
      ['2000C/HL[29]/HL02 IK4:7 snip4'],
    ],
    [
      'HL01 skips a number',
      both(at(25, 'HL*5*1*22*1'), at(29, 'HL*6*5*23*0')),
      ['2000B/HL[25]/HL01 IK4:7 snip4'],
    ],
    ['HL04 0 with children', at(6, 'HL*1**20*0'), ['2000A/HL[6]/HL04 IK4:7 snip4']],
    ['HL04 1 without children', at(11, 'HL*2*1*22*1'), ['2000B/HL[11]/HL04 IK4:7 snip4']],
    ['HL04 1 on a patient', at(29, 'HL*4*3*23*1'), ['2000C/HL[29]/HL04 IK4:7 snip4']],
    ['2000C although the subscriber is the patient', at(26, 'SBR*S*18'), ['2000C/HL[29] IK3:I9 snip4']],
    [
      'no 2000C although the subscriber is not the patient',
      at(12, 'SBR*P'),
      ['2000B/SBR[12]/SBR02 IK4:I9 snip4'],
    ],
    [
      'PAT in 2000B although the subscriber is not the patient',
      insertAfter(26, 'PAT'),
      ['2000B/PAT[27] IK3:I9 snip4'],
    ],
    ['PAT in 2000B when the subscriber is the patient is fine', insertAfter(12, 'PAT'), []],
  ];
  it.each(cases)('%s', (_name, edit, expected) => {
    expect(summary(planted(edit))).toEqual(expected);
  });

  it('places the second subscriber-patient claim check in each 2000B', () => {
    const twoSubscribers = both(at(12, 'SBR*P'), at(26, 'SBR*S*18'));
    expect(summary(planted(twoSubscribers))).toEqual([
      '2000B/SBR[12]/SBR02 IK4:I9 snip4',
      '2000C/HL[29] IK3:I9 snip4',
    ]);
  });
});

describe('issue cap', () => {
  it('keeps maxIssues issues and counts the rest', () => {
    const bad = envelope(
      BASE.map((line) => (line.startsWith('NM1') ? line.replace(/^NM1\*(\w+)\*\d/, 'NM1*$1*9') : line)),
    );
    const all = readX12(bytes(bad), undefined, { guides: testGuides });
    expect(all.issues.length).toBeGreaterThan(6);
    const capped = readX12(bytes(bad), undefined, { guides: testGuides, maxIssues: 4 });
    expect(capped.issues).toEqual(all.issues.slice(0, 4));
    expect(capped.moreIssues).toBe(all.issues.length - 4);
    expect(claimFileAccepted(capped)).toBe(false);
  });

  it('marks only the set that holds an issue as not accepted', () => {
    const two = envelope(BASE).replace(
      'GE*1*1',
      `ST*837*0002*005010X222A1~\n${BASE.join('~\n').replace('SBR*P*18', 'SBR*Z*18')}~\nSE*39*0002~\nGE*2*1`,
    );
    const result = readX12(bytes(two), undefined, { guides: testGuides });
    expect(result.interchanges[0]?.groups[0]?.sets.map((s) => [s.control, s.accepted])).toEqual([
      ['0001', true],
      ['0002', false],
    ]);
    expect(result.issues.map((i) => [i.expression, i.transactionSet])).toEqual([['2000B/SBR[12]/SBR01', 1]]);
  });
});
