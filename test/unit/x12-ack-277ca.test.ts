import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../../shared/core/errors.js';
import { sumAmounts } from '../../shared/core/x12/ack/amounts.js';
import {
  type ClaimStatus,
  ClaimStatusCollector,
  type ClaimStatusSet,
  claimStatusFromUnit,
  serviceSpan,
  write277ca,
} from '../../shared/core/x12/ack/index.js';
import type { ClaimUnit, PlacedSegment } from '../../shared/core/x12/read-model.js';
import {
  claimUnits,
  NOW,
  RECEIVED,
  SAMPLE_837I,
  SAMPLE_837P,
  sample,
  segmentsOf,
  summarize,
} from './x12-ack-fixtures.js';

const P_BYTES = sample(SAMPLE_837P);
const I_BYTES = sample(SAMPLE_837I);
const interchange = summarize(P_BYTES).interchanges[0] as NonNullable<
  ReturnType<typeof summarize>['interchanges'][0]
>;
const OPTIONS = {
  interchangeControl: 5001,
  groupControl: 77,
  now: NOW,
  receivedAt: RECEIVED,
  source: { name: 'PHI PIPELINE', id: 'PHIPIPE01' },
  trace: 'SUB7Q2XK9',
};

const find = (x12: string, id: string) => segmentsOf(x12).filter((s) => s[0] === id);

function claim(index: number, overrides: Partial<ClaimStatus> = {}): ClaimStatus {
  return {
    index,
    controlNumber: `PCN${index}`,
    chargeAmount: '100.25',
    status: 'accepted',
    serviceDates: { from: '20261101', to: '20261105' },
    patient: { lastName: `LAST${index}`, firstName: `FIRST${index}`, memberId: `M${index}` },
    billingProvider: { entity: '2', name: 'CLINIC ONE', npi: '1234567893' },
    ...overrides,
  };
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isPipelineError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

describe('277CA', () => {
  it('acknowledges each claim of a sample 837P under its billing provider, echoing only what X214 requires', () => {
    const collector = new ClaimStatusCollector();
    for (const unit of claimUnits(P_BYTES))
      collector.add(unit, 'accepted', { trace: `SUB7Q2XK9-${unit.index}` });
    const ack = write277ca(interchange, collector.statusSets(), OPTIONS);
    const segments = segmentsOf(ack);
    expect(segments.map((s) => s[0])).toEqual([
      'ISA',
      'GS',
      'ST',
      'BHT',
      'HL',
      'NM1',
      'TRN',
      'DTP',
      'DTP',
      'HL',
      'NM1',
      'TRN',
      'STC',
      'QTY',
      'AMT',
      'HL',
      'NM1',
      'TRN',
      'QTY',
      'AMT',
      'HL',
      'NM1',
      'TRN',
      'STC',
      'REF',
      'DTP',
      'SE',
      'GE',
      'IEA',
    ]);
    expect(find(ack, 'GS')[0]).toEqual([
      'GS',
      'HN',
      '12345',
      '000000005',
      '20261203',
      '1845',
      '77',
      'X',
      '005010X214',
    ]);
    expect(find(ack, 'BHT')[0]).toEqual(['BHT', '0085', '08', 'SUB7Q2XK9', '20261203', '1845', 'TH']);
    expect(find(ack, 'HL')).toEqual([
      ['HL', '1', '', '20', '1'],
      ['HL', '2', '1', '21', '1'],
      ['HL', '3', '2', '19', '1'],
      ['HL', '4', '3', 'PT'],
    ]);
    expect(find(ack, 'NM1')).toEqual([
      ['NM1', 'AY', '2', 'PHI PIPELINE', '', '', '', '', '46', 'PHIPIPE01'],
      ['NM1', '41', '2', 'PREMIER BILLING SERVICE', '', '', '', '', '46', 'TGJ23'],
      ['NM1', '85', '2', 'BEN KILDARE SERVICE', '', '', '', '', 'XX', '1912301953'],
      // The patient (2010CA) is named, identified by the subscriber's member id (5010 has no patient id).
      ['NM1', 'QC', '1', 'SMITH', 'TED', '', '', '', 'MI', 'JS00111223333'],
    ]);
    expect(find(ack, 'TRN')).toEqual([
      ['TRN', '1', 'SUB7Q2XK9'],
      ['TRN', '2', '244579'],
      ['TRN', '1', '0'],
      ['TRN', '2', '26463774'],
    ]);
    expect(find(ack, 'DTP')).toEqual([
      ['DTP', '050', 'D8', '20261203'],
      ['DTP', '009', 'D8', '20261203'],
      ['DTP', '472', 'RD8', '20061003-20061010'],
    ]);
    expect(find(ack, 'STC')).toEqual([
      ['STC', 'A1:19:AY', '20261203', 'WQ', '100'],
      ['STC', 'A1:20', '20261203', 'WQ', '100'],
    ]);
    expect(find(ack, 'REF')).toEqual([['REF', 'D9', 'SUB7Q2XK9-1']]);
    expect(find(ack, 'SE')[0]).toEqual(['SE', String(segments.length - 4), '0001']);
    // Nothing else of the patient travels back: address, birth date, diagnoses, lines.
    for (const value of ['236 N MAIN ST', 'MIAMI', '33413', 'V7389', '99213', '17312345600006351', 'JERRY']) {
      expect(ack).not.toContain(value);
    }
    const written = new Set(segments.map((s) => s[0]));
    for (const id of ['N3', 'N4', 'DMG', 'HI', 'SV1', 'SVC', 'PER']) expect(written.has(id)).toBe(false);
  });

  it('acknowledges an 837I with its statement dates as the service period', () => {
    const collector = new ClaimStatusCollector();
    for (const unit of claimUnits(I_BYTES)) collector.add(unit, 'rejected');
    const ack = write277ca(interchange, collector.statusSets(), OPTIONS);
    const dtp = find(ack, 'DTP').find((s) => s[1] === '472');
    expect(dtp?.[2]).toMatch(/^R?D8$/);
    expect(find(ack, 'STC')[1]?.slice(0, 4)).toEqual(['STC', 'A3:21', '20261203', 'U']);
    expect(find(ack, 'QTY').map((s) => s[1])).toEqual(['AA', 'QC']);
    expect(find(ack, 'AMT').map((s) => s[1])).toEqual(['YY', 'YY']);
  });

  it('groups claims by billing provider and totals accepted and rejected claims exactly', () => {
    const other = { entity: '1', name: 'JONES', firstName: 'ANN', npi: '1999999984' } as const;
    const claims = [
      claim(1),
      claim(2, { status: 'rejected', chargeAmount: '0.1', reason: '33' }),
      claim(3, { billingProvider: other, chargeAmount: '0.2' }),
      claim(4, { status: 'rejected', billingProvider: other, chargeAmount: '12' }),
      claim(5, { chargeAmount: '7.00' }),
    ];
    const ack = write277ca(
      interchange,
      [{ transactionSet: '0001', receiver: { name: 'SUBMITTER', id: 'S1' }, claims: [...claims].reverse() }],
      OPTIONS,
    );
    expect(find(ack, 'HL')).toEqual([
      ['HL', '1', '', '20', '1'],
      ['HL', '2', '1', '21', '1'],
      ['HL', '3', '2', '19', '1'],
      ['HL', '4', '3', 'PT'],
      ['HL', '5', '3', 'PT'],
      ['HL', '6', '3', 'PT'],
      ['HL', '7', '2', '19', '1'],
      ['HL', '8', '7', 'PT'],
      ['HL', '9', '7', 'PT'],
    ]);
    expect(find(ack, 'TRN').map((s) => s[2])).toEqual([
      'SUB7Q2XK9',
      '0001',
      '0',
      'PCN1',
      'PCN2',
      'PCN5',
      '0',
      'PCN3',
      'PCN4',
    ]);
    expect(find(ack, 'QTY')).toEqual([
      ['QTY', '90', '3'],
      ['QTY', 'AA', '2'],
      ['QTY', 'QA', '2'],
      ['QTY', 'QC', '1'],
      ['QTY', 'QA', '1'],
      ['QTY', 'QC', '1'],
    ]);
    expect(find(ack, 'AMT')).toEqual([
      ['AMT', 'YU', '107.45'],
      ['AMT', 'YY', '12.1'],
      ['AMT', 'YU', '107.25'],
      ['AMT', 'YY', '0.1'],
      ['AMT', 'YU', '0.2'],
      ['AMT', 'YY', '12'],
    ]);
    expect(find(ack, 'STC').map((s) => [s[1], s[3], s[4]])).toEqual([
      ['A1:19:AY', 'WQ', '119.55'],
      ['A1:20', 'WQ', '100.25'],
      ['A3:33', 'U', '0.1'],
      ['A1:20', 'WQ', '7'],
      ['A1:20', 'WQ', '0.2'],
      ['A3:21', 'U', '12'],
    ]);
    expect(find(ack, 'NM1').filter((s) => s[1] === '85')).toEqual([
      ['NM1', '85', '2', 'CLINIC ONE', '', '', '', '', 'XX', '1234567893'],
      ['NM1', '85', '1', 'JONES', 'ANN', '', '', '', 'XX', '1999999984'],
    ]);
    expect(find(ack, 'DTP').filter((s) => s[1] === '472')[0]).toEqual([
      'DTP',
      '472',
      'RD8',
      '20261101-20261105',
    ]);
  });

  it('writes one ST per 837 set with claims, leaving out a set without any', () => {
    const receiver = { name: 'SUBMITTER', id: 'S1' };
    const sets = [
      { transactionSet: '0001', batch: 'B1', receiver, claims: [claim(1)] },
      { transactionSet: '0002', receiver, claims: [] },
      { transactionSet: '0003', receiver, claims: [claim(2, { status: 'rejected' })] },
    ];
    const ack = write277ca(interchange, sets, OPTIONS);
    expect(find(ack, 'ST').map((s) => s[2])).toEqual(['0001', '0002']);
    expect(find(ack, 'GE')[0]).toEqual(['GE', '2', '77']);
    expect(find(ack, 'TRN').filter((s) => s[1] === '2' && s[2]?.startsWith('PCN') !== true)).toEqual([
      ['TRN', '2', 'B1'],
      ['TRN', '2', '0003'],
    ]);
    expect(
      find(ack, 'STC')
        .filter((s) => s[1] === 'A1:19:AY')
        .map((s) => s[3]),
    ).toEqual(['WQ', 'U']);
    expect(codeOf(() => write277ca(interchange, [sets[1] as ClaimStatusSet], OPTIONS))).toBe(
      'content-invalid',
    );
  });

  it('refuses an amount that is not a number and a value holding a delimiter, without the value', () => {
    const bad = [claim(1, { chargeAmount: '1e3' })];
    const set = (claims: ClaimStatus[]) => [
      { transactionSet: '1', receiver: { name: 'S', id: 'S1' }, claims },
    ];
    expect(codeOf(() => write277ca(interchange, set(bad), OPTIONS))).toBe('content-invalid');
    const tilde = [claim(1, { controlNumber: 'A~B' })];
    expect(codeOf(() => write277ca(interchange, set(tilde), OPTIONS))).toBe('content-invalid');
  });
});

describe('claim statuses from the reader’s claims', () => {
  const units = claimUnits(P_BYTES);
  const unit = units[0] as ClaimUnit;
  const drop = (segments: readonly PlacedSegment[], id: string, qualifier?: string) =>
    segments.filter((s) => !(s.id === id && (qualifier === undefined || s.elements[1] === qualifier)));

  it('takes CLM01, CLM02, the names, the member id and the service span', () => {
    expect(claimStatusFromUnit(unit, 'rejected', { reason: '145' })).toEqual({
      index: 1,
      controlNumber: '26463774',
      chargeAmount: '100.00',
      status: 'rejected',
      reason: '145',
      serviceDates: { from: '20061003', to: '20061010' },
      patient: { lastName: 'SMITH', firstName: 'TED', memberId: 'JS00111223333' },
      billingProvider: { entity: '2', name: 'BEN KILDARE SERVICE', npi: '1912301953' },
    });
  });

  it('names the subscriber when the subscriber is the patient', () => {
    const self = { ...unit, patient: undefined };
    expect(claimStatusFromUnit(self, 'accepted').patient).toEqual({
      lastName: 'SMITH',
      firstName: 'JANE',
      memberId: 'JS00111223333',
    });
  });

  it('refuses a claim without CLM, subscriber or billing provider, naming the place', () => {
    const cases: [ClaimUnit, string][] = [
      [{ ...unit, claim: drop(unit.claim, 'CLM') }, '2300/CLM'],
      [{ ...unit, subscriber: drop(unit.subscriber, 'NM1', 'IL') }, '2010BA/NM1'],
      [{ ...unit, billingProvider: drop(unit.billingProvider, 'NM1', '85') }, '2010AA/NM1'],
    ];
    for (const [broken, expression] of cases) {
      try {
        claimStatusFromUnit(broken, 'accepted');
        expect.unreachable();
      } catch (error) {
        if (!isPipelineError(error)) throw error;
        expect(error.details?.expression).toBe(expression);
      }
    }
    const collector = new ClaimStatusCollector();
    expect(codeOf(() => collector.add({ ...unit, header: drop(unit.header, 'NM1', '41') }, 'accepted'))).toBe(
      'content-invalid',
    );
  });

  it('spans service dates over D8 and RD8 DTPs of the claim and its lines, skipping other dates', () => {
    const dtp = (qualifier: string, format: string, value: string): PlacedSegment => ({
      id: 'DTP',
      elements: ['DTP', qualifier, format, value],
      loop: '2400',
      loopPath: [],
      position: 1,
      ordinal: 1,
    });
    expect(
      serviceSpan([
        dtp('472', 'D8', '20240105'),
        dtp('434', 'RD8', '20240101-20240103'),
        dtp('472', 'RD8', '20240104-20240110'),
        dtp('431', 'D8', '20200101'),
        dtp('472', 'D8', 'bad'),
        dtp('472', 'XX', '20190101'),
      ]),
    ).toEqual({ from: '20240101', to: '20240110' });
    expect(serviceSpan([dtp('431', 'D8', '20200101')])).toBeUndefined();
  });
});

describe('sumAmounts', () => {
  it('adds decimal strings exactly', () => {
    expect(sumAmounts(['0.1', '0.2'])).toBe('0.3');
    expect(sumAmounts(['100', '0.25', '-0.5'])).toBe('99.75');
    expect(sumAmounts(['1.10', '2.90'])).toBe('4');
    expect(sumAmounts(['-1', '0.5'])).toBe('-0.5');
    expect(sumAmounts([])).toBe('0');
    expect(sumAmounts(['99999999999999.99', '0.01'])).toBe('100000000000000');
  });

  it('refuses anything but a plain decimal', () => {
    for (const bad of ['1e3', '', '.5', '1.', '1,000', ' 1', 'NaN']) {
      expect(codeOf(() => sumAmounts([bad]))).toBe('content-invalid');
    }
  });
});
