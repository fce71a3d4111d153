import {
  type ClaimParty,
  freeText,
  lineDescription,
  money,
  rd8,
  writeLineAdjudication,
  writeOtherCoverage,
} from './claim-common.js';
import {
  CONDITION_CODES,
  DRUGS,
  ICD10_CM,
  ICD10_EXTERNAL,
  ICD10_PCS,
  OCCURRENCE_CODES,
  OCCURRENCE_SPAN_CODES,
  REVENUE_DRUG,
  REVENUE_LINES,
  TAXONOMIES,
} from './codes.js';
import type { X12Planter } from './planter.js';
import { CLINICIANS, HOSPITALS, npi } from './providers.js';
import type { SegmentWriter } from './segments.js';

interface Line {
  readonly revenue: string;
  readonly hcpcs: string | undefined;
  readonly cents: number;
  readonly unit: 'UN' | 'DA';
  readonly quantity: number;
  readonly ndc: string | undefined;
}

/** One 837I 2300 loop: inpatient (type of bill 11x) or outpatient (13x), with its lines. */
export function write837IClaim(w: SegmentWriter, p: X12Planter, party: ClaimParty): void {
  const inpatient = p.chance(0.6);
  const admit = p.date(2016, 2023);
  const stay = inpatient ? p.int(1, 8) : p.int(0, 1);
  const discharge = p.addDays(admit, stay);
  const lines = planLines(p, inpatient, stay);
  const total = lines.reduce((sum, line) => sum + line.cents, 0);
  const withF8 = p.chance(0.2);
  const date = (value: string, place = '2300/DTP/DTP03') => p.plant('date', place, value);

  w.seg(
    'CLM',
    p.plant('id', '2300/CLM/CLM01', `${p.digits(6)}${p.letters(3)}${p.digits(4)}`),
    money(total),
    undefined,
    undefined,
    [inpatient ? '11' : '13', 'A', withF8 ? '7' : '1'],
    undefined,
    'A',
    'Y',
    'Y',
  );
  // DTP 096 is the discharge hour (TM): not a date, so not planted.
  if (inpatient && p.chance(0.5))
    w.seg('DTP', '096', 'TM', `${String(p.int(6, 20)).padStart(2, '0')}${p.pick(['00', '15', '30', '45'])}`);
  w.seg('DTP', '434', 'RD8', rd8(date(admit), date(discharge)));
  if (inpatient) {
    if (p.chance(0.7)) {
      const hour = `${String(p.int(0, 23)).padStart(2, '0')}${String(p.int(0, 59)).padStart(2, '0')}`;
      w.seg('DTP', '435', 'DT', `${date(admit)}${hour}`);
    } else {
      w.seg('DTP', '435', 'D8', date(admit));
    }
  }
  w.seg(
    'CL1',
    inpatient ? p.pick(['1', '2', '3']) : undefined,
    inpatient ? p.pick(['1', '7']) : undefined,
    p.pick(['01', '01', '06', '20', '30']),
  );
  if (p.chance(0.3))
    w.seg(
      'PWK',
      p.pick(['OB', '09', 'PN']),
      'BM',
      undefined,
      undefined,
      'AC',
      p.plant('id', '2300/PWK/PWK06', `ATT${p.digits(10)}`),
    );
  const ref = (qualifier: string, value: string) =>
    w.seg('REF', qualifier, p.plant('id', '2300/REF/REF02', value));
  if (p.chance(0.25)) ref('9F', `RF${p.digits(8)}`);
  if (p.chance(0.35)) ref('G1', `PA${p.digits(9)}`);
  if (withF8) ref('F8', `PCC${p.digits(11)}`);
  if (p.chance(0.4)) ref('D9', `CH${p.digits(12)}`);
  if (p.chance(0.7)) ref('EA', party.mrn);
  if (p.chance(0.2)) w.seg('K3', freeText(p, party, '2300/K3/K301'));
  if (p.chance(0.4)) w.seg('NTE', p.pick(['ALG', 'DCP', 'MED', 'DGN']), freeText(p, party, '2300/NTE/NTE02'));
  if (p.chance(0.3)) w.seg('NTE', 'ADD', freeText(p, party, '2300/NTE/NTE02'));

  writeCodes(w, p, inpatient, admit, discharge);

  if (p.chance(0.8)) {
    const doctor = p.pick(CLINICIANS);
    w.seg('NM1', '71', '1', doctor.last, doctor.first, undefined, undefined, undefined, 'XX', npi(p));
    if (p.chance(0.5)) w.seg('PRV', 'AT', 'PXC', p.pick(TAXONOMIES));
  }
  if (p.chance(0.2)) {
    // 837I service facility: a hospital's location, never the patient's home.
    const site = p.pick(HOSPITALS);
    const why = 'hospital service facility';
    w.seg(
      'NM1',
      '77',
      '2',
      p.unplant('2310E/NM1/NM103', site.name, why),
      undefined,
      undefined,
      undefined,
      undefined,
      'XX',
      npi(p),
    );
    w.seg('N3', p.unplant('2310E/N3/N301', site.street, why));
    w.seg(
      'N4',
      p.unplant('2310E/N4/N401', site.city, why),
      site.state,
      p.unplant('2310E/N4/N403', site.zip, why),
    );
  }
  const adjudication = writeOtherCoverage(
    w,
    p,
    party,
    lines.map((line) => line.cents),
    discharge,
  );

  lines.forEach((line, i) => {
    w.seg('LX', String(i + 1));
    const description =
      line.hcpcs !== undefined && p.chance(0.3) ? lineDescription(p, party, '2400/SV2/SV202-7') : '';
    const procedure =
      line.hcpcs === undefined
        ? undefined
        : ['HC', p.keep('HCPCS', '2400/SV2/SV202-2', line.hcpcs), '', '', '', '', description];
    w.seg(
      'SV2',
      p.keep('revenue', '2400/SV2/SV201', line.revenue),
      procedure,
      money(line.cents),
      line.unit,
      String(line.quantity),
    );
    if (line.unit === 'DA' && stay > 0) {
      w.seg('DTP', '472', 'RD8', rd8(date(admit, '2400/DTP/DTP03'), date(discharge, '2400/DTP/DTP03')));
    } else {
      w.seg('DTP', '472', 'D8', date(p.addDays(admit, p.int(0, stay)), '2400/DTP/DTP03'));
    }
    if (p.chance(0.5)) w.seg('REF', '6R', p.plant('id', '2400/REF/REF02', `LN${p.digits(9)}`));
    if (p.chance(0.1)) w.seg('NTE', 'TPO', freeText(p, party, '2400/NTE/NTE02'));
    if (line.ndc !== undefined) {
      w.seg('LIN', undefined, 'N4', p.keep('NDC', '2410/LIN/LIN03', line.ndc));
      w.seg('CTP', undefined, undefined, undefined, String(p.int(1, 10)), ['UN']);
      if (p.chance(0.8)) w.seg('REF', 'XZ', p.plant('id', '2410/REF/REF02', `RX${p.digits(8)}`));
    }
    if (adjudication !== undefined) {
      const adjudicated = line.hcpcs === undefined ? undefined : ['HC', line.hcpcs];
      writeLineAdjudication(w, p, '837I', adjudication, {
        index: i,
        cents: line.cents,
        units: line.quantity,
        procedure: adjudicated,
        revenue: line.revenue,
      });
    }
  });
}

function planLines(p: X12Planter, inpatient: boolean, stay: number): Line[] {
  const lines: Line[] = [];
  if (inpatient) {
    lines.push({
      revenue: '0120',
      hcpcs: undefined,
      cents: stay * p.int(80_000, 250_000),
      unit: 'DA',
      quantity: stay,
      ndc: undefined,
    });
  }
  const count = p.int(1, 4);
  for (let i = 0; i < count; i++) {
    const pick = p.pick(REVENUE_LINES.filter((line) => line.revenue !== '0120'));
    lines.push({
      revenue: pick.revenue,
      hcpcs: pick.hcpcs,
      cents: p.int(1_000, 300_000),
      unit: 'UN',
      quantity: p.int(1, 5),
      ndc: undefined,
    });
  }
  if (p.chance(0.35)) {
    const drug = p.pick(DRUGS);
    lines.push({
      revenue: REVENUE_DRUG,
      hcpcs: drug.hcpcs,
      cents: p.int(1_000, 60_000),
      unit: 'UN',
      quantity: p.int(1, 4),
      ndc: drug.ndc,
    });
  }
  return lines;
}

/** The HI segments in guide order, with their code lists and the dates composites carry. */
function writeCodes(
  w: SegmentWriter,
  p: X12Planter,
  inpatient: boolean,
  admit: string,
  discharge: string,
): void {
  const kept = (place: string, code: string, system: 'ICD-10-CM' | 'ICD-10-PCS' = 'ICD-10-CM') =>
    p.keep(system, place, code);
  const dx = () => p.pick(ICD10_CM);
  const hi = (n: number) => `2300/HI/HI${String(n).padStart(2, '0')}`;
  const date = (n: number, value: string) => p.plant('date', `${hi(n)}-4`, value);

  w.seg('HI', ['ABK', kept(`${hi(1)}-2`, dx())]);
  if (inpatient) w.seg('HI', ['ABJ', kept(`${hi(1)}-2`, dx())]);
  if (!inpatient && p.chance(0.6)) w.seg('HI', ['APR', kept(`${hi(1)}-2`, dx())]);
  if (p.chance(0.2)) w.seg('HI', ['ABN', kept(`${hi(1)}-2`, p.pick(ICD10_EXTERNAL))]);
  if (p.chance(0.7)) {
    const others = Array.from({ length: p.int(1, 4) }, (_, i) => ['ABF', kept(`${hi(i + 1)}-2`, dx())]);
    w.seg('HI', ...others);
  }
  if (inpatient && p.chance(0.8)) {
    const when = p.addDays(admit, p.int(0, Math.max(0, daysBetween(admit, discharge))));
    w.seg('HI', ['BBR', kept(`${hi(1)}-2`, p.pick(ICD10_PCS), 'ICD-10-PCS'), 'D8', date(1, when)]);
    if (p.chance(0.5)) {
      const others = Array.from({ length: p.int(1, 3) }, (_, i) => [
        'BBQ',
        kept(`${hi(i + 1)}-2`, p.pick(ICD10_PCS), 'ICD-10-PCS'),
        'D8',
        date(i + 1, p.addDays(admit, p.int(0, daysBetween(admit, discharge)))),
      ]);
      w.seg('HI', ...others);
    }
  }
  if (p.chance(0.4)) {
    const from = p.addDays(admit, -p.int(60, 90));
    const to = p.addDays(from, p.int(3, 20));
    w.seg('HI', ['BI', p.pick(OCCURRENCE_SPAN_CODES), 'RD8', rd8(date(1, from), date(1, to))]);
  }
  if (p.chance(0.5)) {
    const count = p.int(1, 3);
    const occurrences = Array.from({ length: count }, (_, i) => [
      'BH',
      p.pick(OCCURRENCE_CODES),
      'D8',
      date(i + 1, p.addDays(admit, -p.int(1 + i * 10, 9 + i * 10))),
    ]);
    w.seg('HI', ...occurrences);
  }
  if (inpatient && p.chance(0.3)) w.seg('HI', ['BE', '80', '', '', String(daysBetween(admit, discharge))]);
  if (p.chance(0.2)) w.seg('HI', ['BG', p.pick(CONDITION_CODES)]);
}

function daysBetween(from: string, to: string): number {
  const ms = (d8: string) =>
    Date.UTC(Number(d8.slice(0, 4)), Number(d8.slice(4, 6)) - 1, Number(d8.slice(6, 8)));
  return Math.round((ms(to) - ms(from)) / 86_400_000);
}
