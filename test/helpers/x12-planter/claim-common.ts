import { emailOf, newPerson, type Person } from './people.js';
import type { TextPart, X12Planter } from './planter.js';
import { PAYERS } from './providers.js';
import type { SegmentWriter } from './segments.js';
import type { X12ClaimKind } from './types.js';

/** Who a claim is about, and what it is written under. */
export interface ClaimParty {
  readonly kind: X12ClaimKind;
  readonly patient: Person;
  readonly subscriber: Person;
  /** Index into PAYERS of the destination payer (2010BB), so 2330B can name another one. */
  readonly payer: number;
  /** The patient's MRN, planted in REF EA and inside free text. */
  readonly mrn: string;
  /** See `GenerateX12Options.homeContact`. */
  readonly homeContact: boolean;
}

/** Amounts in cents, written as X12 R values without trailing zeros (`150`, `150.5`, `150.25`). */
export function money(cents: number): string {
  const whole = Math.floor(cents / 100);
  const fraction = cents % 100;
  if (fraction === 0) return String(whole);
  return `${whole}.${String(fraction).padStart(2, '0').replace(/0$/, '')}`;
}

/** One free-text sentence that names the patient and other identifiers; at most 80 characters. */
export function freeText(p: X12Planter, party: ClaimParty, place: string): string {
  const { patient, mrn } = party;
  const variants: (() => TextPart[])[] = [
    () => ['PT', ['name', patient.first], ['name', patient.last], 'MRN', ['id', mrn], 'SEEN FOR FOLLOW UP'],
    () => ['CALL PATIENT AT', ['phone', patient.phone], 'RE', ['name', patient.last]],
    () => ['RECORDS SENT TO', ['email', emailOf(patient)]],
    () => ['PATIENT', ['name', patient.last], 'LIVES AT', ['address', patient.address.street]],
    () => ['DOB', ['date', patient.birth], 'ACCT', ['id', mrn], 'PER CHART'],
    () => [
      'CONTACT',
      ['name', party.subscriber.first],
      'REPORTS FALL AT HOME IN',
      ['city', patient.address.city],
    ],
  ];
  return p.text(place, p.pick(variants)());
}

/** Three-part date range for RD8 elements. */
export const rd8 = (from: string, to: string): string => `${from}-${to}`;

/** How the first other payer adjudicated each line (cents paid), when the claim carries 2430 loops. */
export interface Adjudication {
  readonly payerId: string;
  readonly paid: readonly number[];
  /** `CCYYMMDD`, after the service. */
  readonly date: string;
}

/**
 * Other coverage in about a third of claims: one 2320 (secondary) or now and then two (secondary and
 * tertiary), each with a payer other than the destination payer and each other. Half the time the
 * first other payer has adjudicated the claim line by line: 2320 AMT D is then the sum of what it paid
 * and each line gets a 2430 whose SVD02 plus CAS equals the line charge (the guide's balancing).
 */
export function writeOtherCoverage(
  w: SegmentWriter,
  p: X12Planter,
  party: ClaimParty,
  lineCents: readonly number[],
  service: string,
): Adjudication | undefined {
  if (!p.chance(0.35)) return undefined;
  const others = PAYERS.filter((_, i) => i !== party.payer);
  const start = p.int(0, others.length - 1);
  const count = p.chance(0.2) ? 2 : 1;
  let adjudication: Adjudication | undefined;
  for (let i = 0; i < count; i++) {
    const payer = others[(start + i) % others.length] ?? PAYERS[0];
    if (i === 0 && p.chance(0.5)) {
      const paid = lineCents.map((cents) => Math.floor((cents * p.int(40, 100)) / 100));
      adjudication = { payerId: payer.id, paid, date: p.addDays(service, p.int(20, 60)) };
    }
    const spouse = p.chance(0.5);
    const insured = spouse ? newPerson(p, 'adult') : party.patient;
    const paidTotal = i === 0 ? adjudication?.paid.reduce((a, b) => a + b, 0) : undefined;
    const decided = p.addDays(service, p.int(20, 60));
    writeOtherSubscriber(
      w,
      p,
      party,
      payer,
      insured,
      spouse ? '01' : '18',
      i === 0 ? 'S' : 'T',
      paidTotal,
      decided,
    );
  }
  return adjudication;
}

/** 2430 for one line: what the other payer paid, the contractual adjustment, and when. */
export function writeLineAdjudication(
  w: SegmentWriter,
  p: X12Planter,
  kind: ClaimParty['kind'],
  adjudication: Adjudication,
  line: {
    index: number;
    cents: number;
    units: number;
    procedure: readonly string[] | undefined;
    revenue?: string;
  },
): void {
  const paid = adjudication.paid[line.index] ?? 0;
  const procedure = line.procedure === undefined ? undefined : [...line.procedure];
  if (kind === '837P') {
    w.seg('SVD', adjudication.payerId, money(paid), procedure, undefined, String(line.units));
  } else {
    w.seg('SVD', adjudication.payerId, money(paid), procedure, line.revenue, String(line.units));
  }
  if (line.cents > paid) w.seg('CAS', 'CO', '45', money(line.cents - paid));
  w.seg('DTP', '573', 'D8', p.plant('date', '2430/DTP/DTP03', adjudication.date));
}

/**
 * 2320 with 2330A (the other insured, planted like 2010BA) and 2330B (the other payer, whose
 * adjudication date and references are planted). The other insured is the patient (SBR02 18) or a
 * spouse with a household of their own.
 */
export function writeOtherSubscriber(
  w: SegmentWriter,
  p: X12Planter,
  party: ClaimParty,
  otherPayer: { name: string; id: string; filing: string },
  otherInsured: Person,
  relationship: string,
  responsibility: 'S' | 'T',
  paidCents: number | undefined,
  adjudicated: string,
): void {
  const place = (loop: string, seg: string, element: string) => `${loop}/${seg}/${element}`;
  w.seg(
    'SBR',
    responsibility,
    relationship,
    p.chance(0.6) ? p.plant('id', place('2320', 'SBR', 'SBR03'), `G${p.digits(7)}`) : undefined,
    p.chance(0.6) ? p.plant('employer', place('2320', 'SBR', 'SBR04'), `${p.word()} LOGISTICS`) : undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    otherPayer.filing,
  );
  if (paidCents !== undefined) w.seg('AMT', 'D', money(paidCents));
  if (party.kind === '837P') w.seg('OI', undefined, undefined, 'Y', 'P', undefined, 'Y');
  else w.seg('OI', undefined, undefined, 'Y', undefined, undefined, 'Y');

  const a = '2330A';
  w.seg(
    'NM1',
    'IL',
    '1',
    p.plant('name', place(a, 'NM1', 'NM103'), otherInsured.last),
    p.plant('name', place(a, 'NM1', 'NM104'), otherInsured.first),
    otherInsured.middle === undefined
      ? undefined
      : p.plant('name', place(a, 'NM1', 'NM105'), otherInsured.middle),
    undefined,
    otherInsured.suffix === undefined
      ? undefined
      : p.plant('name', place(a, 'NM1', 'NM107'), otherInsured.suffix),
    'MI',
    p.plant('id', place(a, 'NM1', 'NM109'), `${p.letters(2)}${p.digits(8)}`),
  );
  if (p.chance(0.75)) {
    const home = otherInsured.address;
    w.seg(
      'N3',
      p.plant('address', place(a, 'N3', 'N301'), home.street),
      home.unit === undefined ? undefined : p.plant('address', place(a, 'N3', 'N302'), home.unit),
    );
    w.seg(
      'N4',
      p.plant('city', place(a, 'N4', 'N401'), home.city),
      home.state,
      p.plant('zip', place(a, 'N4', 'N403'), home.zip, home.restricted ? { restrictedZip3: true } : {}),
    );
  }
  if (p.chance(0.6)) w.seg('REF', 'SY', p.plant('ssn', place(a, 'REF', 'REF02'), otherInsured.ssn));

  const b = '2330B';
  w.seg('NM1', 'PR', '2', otherPayer.name, undefined, undefined, undefined, undefined, 'PI', otherPayer.id);
  // 2330B DTP 573 is for a claim adjudicated without line detail; with 2430 the date is per line.
  if (paidCents === undefined && p.chance(0.5)) {
    w.seg('DTP', '573', 'D8', p.plant('date', place(b, 'DTP', 'DTP03'), adjudicated));
  }
  if (p.chance(0.4)) w.seg('REF', 'G1', p.plant('id', place(b, 'REF', 'REF02'), `PA${p.digits(9)}`));
  if (p.chance(0.3)) w.seg('REF', '9F', p.plant('id', place(b, 'REF', 'REF02'), `RF${p.digits(8)}`));
  if (p.chance(0.3)) w.seg('REF', 'F8', p.plant('id', place(b, 'REF', 'REF02'), `OC${p.digits(10)}`));
}

/** SV101-7 / SV202-7: a service description that names the patient. */
export function lineDescription(p: X12Planter, party: ClaimParty, place: string): string {
  return p.text(place, ['SUPPLIES FOR', ['name', party.patient.last], 'MRN', ['id', party.mrn]]);
}
