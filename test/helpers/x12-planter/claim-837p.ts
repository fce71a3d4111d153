import {
  type Adjudication,
  type ClaimParty,
  freeText,
  lineDescription,
  money,
  rd8,
  writeLineAdjudication,
  writeOtherCoverage,
} from './claim-common.js';
import {
  CPT_PROFESSIONAL,
  DRUGS,
  HCPCS_AMBULANCE,
  HCPCS_AMBULANCE_MILEAGE,
  ICD10_CM,
  TAXONOMIES,
} from './codes.js';
import { type Address, newAddress, writePhone } from './people.js';
import type { X12Planter } from './planter.js';
import { CLINICIANS, HOSPITALS, npi, ORGANISATIONS } from './providers.js';
import type { SegmentWriter } from './segments.js';

type Setting = 'office' | 'home' | 'ambulance' | 'inpatient' | 'accident';

const PLACE_OF_SERVICE: Record<Setting, string> = {
  office: '11',
  home: '12',
  ambulance: '41',
  inpatient: '21',
  accident: '11',
};

interface Line {
  readonly qualifier: 'HC';
  readonly code: string;
  readonly system: 'CPT' | 'HCPCS';
  readonly modifier: string | undefined;
  readonly cents: number;
  readonly units: number;
  readonly drug: (typeof DRUGS)[number] | undefined;
}

/** One 837P 2300 loop with its 2310x, 2320/2330x and 2400 loops. */
export function write837PClaim(w: SegmentWriter, p: X12Planter, party: ClaimParty): void {
  const setting = p.pick<Setting>(['office', 'office', 'home', 'ambulance', 'inpatient', 'accident']);
  const service = p.date(2016, 2023);
  const stay = setting === 'inpatient' ? p.int(1, 6) : 0;
  const lines = planLines(p, setting);
  const total = lines.reduce((sum, line) => sum + line.cents, 0);
  const withF8 = p.chance(0.2);

  w.seg(
    'CLM',
    p.plant('id', '2300/CLM/CLM01', `${p.letters(2)}${p.digits(10)}`),
    money(total),
    undefined,
    undefined,
    [PLACE_OF_SERVICE[setting], 'B', withF8 ? '7' : '1'],
    'Y',
    'A',
    'Y',
    'Y',
    undefined,
    setting === 'accident' ? ['AA', '', '', party.patient.address.state] : undefined,
  );
  const dtp = (qualifier: string, value: string) =>
    w.seg('DTP', qualifier, 'D8', p.plant('date', '2300/DTP/DTP03', value));
  const before = (from: number, to: number) => p.addDays(service, -p.int(from, to));
  // The 2300 dates in the guide's order; each is a date about the patient, so each is planted.
  if (p.chance(0.6)) dtp('431', before(3, 40));
  if (p.chance(0.3)) dtp('454', before(41, 80));
  if (p.chance(0.3)) dtp('304', before(81, 120));
  if (p.chance(0.1)) dtp('453', before(161, 200));
  if (setting === 'accident') dtp('439', before(1, 2));
  if (party.patient.sex === 'F' && p.chance(0.1)) dtp('484', before(201, 230));
  if (p.chance(0.15)) dtp('455', before(121, 160));
  if (p.chance(0.08)) dtp('471', before(231, 260));
  if (p.chance(0.1)) {
    // Disability period: a range that ended before the service.
    const from = p.plant('date', '2300/DTP/DTP03', before(261, 300));
    const to = p.plant('date', '2300/DTP/DTP03', p.addDays(from, p.int(10, 30)));
    w.seg('DTP', '314', 'RD8', rd8(from, to));
  }
  if (p.chance(0.08)) dtp('297', before(341, 380));
  if (p.chance(0.08)) dtp('296', p.addDays(service, p.int(10, 40)));
  if (setting === 'inpatient') {
    dtp('435', service);
    if (p.chance(0.7)) dtp('096', p.addDays(service, stay));
  }
  if (p.chance(0.08)) dtp('090', before(381, 420));
  if (setting === 'accident' && p.chance(0.5)) dtp('444', before(0, 0));
  if (p.chance(0.08)) dtp('050', p.addDays(service, p.int(41, 60)));
  if (p.chance(0.3))
    w.seg('PWK', p.pick(['OB', '09', 'PN']), 'BM', undefined, undefined, 'AC', attachment(p));
  writeClaimReferences(w, p, party, withF8);
  if (p.chance(0.2)) w.seg('K3', freeText(p, party, '2300/K3/K301'));
  if (p.chance(0.6)) w.seg('NTE', 'ADD', freeText(p, party, '2300/NTE/NTE02'));
  if (setting === 'ambulance') {
    w.seg(
      'CR1',
      'LB',
      String(p.int(90, 260)),
      undefined,
      p.pick(['A', 'B', 'C', 'D', 'E']),
      'DH',
      String(p.int(2, 30)),
      undefined,
      undefined,
      p.chance(0.6)
        ? p.text('2300/CR1/CR109', ['TRANSPORT', ['name', party.patient.last], 'HOME FOR DIALYSIS'])
        : undefined,
      p.chance(0.5)
        ? p.text('2300/CR1/CR110', [
            'PT',
            ['name', party.patient.first],
            'UNABLE TO SIT, MRN',
            ['id', party.mrn],
          ])
        : undefined,
    );
    w.seg('CRC', '07', 'Y', p.pick(['01', '04', '06']));
  }
  if (setting === 'office' && p.chance(0.15)) {
    // Spinal manipulation: CR208 condition code, CR210/CR211 descriptions the clinician wrote.
    const descriptions = [
      p.text('2300/CR2/CR210', ['LOW BACK PAIN AFTER LIFTING,', ['name', party.patient.last], 'REPORTS']),
      p.chance(0.5) ? p.text('2300/CR2/CR211', ['SEE CHART', ['id', party.mrn]]) : undefined,
    ];
    w.seg(
      'CR2',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      p.pick(['A', 'C', 'D']),
      undefined,
      ...descriptions,
    );
  }
  const diagnoses = writeDiagnoses(w, p);

  if (p.chance(0.5)) {
    const doctor = p.pick(CLINICIANS);
    w.seg('NM1', '82', '1', doctor.last, doctor.first, undefined, undefined, undefined, 'XX', npi(p));
    w.seg('PRV', 'PE', 'PXC', p.pick(TAXONOMIES));
  }
  if (setting === 'home') writeHomeFacility(w, p, party);
  if (setting === 'office' && p.chance(0.6)) writeOfficeFacility(w, p);
  if (setting === 'ambulance') {
    w.seg('NM1', 'PW', '2');
    writePlantedAddress(w, p, '2310E', party.patient.address);
    writeDropOff(w, p, '2310F');
  }
  const adjudication = writeOtherCoverage(
    w,
    p,
    party,
    lines.map((line) => line.cents),
    p.addDays(service, stay),
  );

  for (const [i, line] of lines.entries()) {
    writeLine(w, p, party, line, i + 1, diagnoses, setting, service, stay, adjudication);
  }
}

function planLines(p: X12Planter, setting: Setting): Line[] {
  const line = (code: string, system: Line['system'], cents: number, units = 1, modifier?: string): Line => ({
    qualifier: 'HC',
    code,
    system,
    modifier,
    cents,
    units,
    drug: undefined,
  });
  if (setting === 'ambulance') {
    const miles = p.int(2, 30);
    return [
      line(p.pick(HCPCS_AMBULANCE), 'HCPCS', p.int(40_000, 120_000), 1, 'RH'),
      line(HCPCS_AMBULANCE_MILEAGE, 'HCPCS', miles * p.int(800, 1_500), miles, 'RH'),
    ];
  }
  const lines = Array.from({ length: p.int(1, 4) }, () =>
    line(p.pick(CPT_PROFESSIONAL), 'CPT', p.int(2_000, 45_000), p.int(1, 3)),
  );
  if (p.chance(0.4)) {
    const drug = p.pick(DRUGS);
    lines.push({ ...line(drug.hcpcs, 'HCPCS', p.int(1_500, 30_000), p.int(1, 4)), drug });
  }
  return lines;
}

function attachment(p: X12Planter): string {
  return p.plant('id', '2300/PWK/PWK06', `ATT${p.digits(10)}`);
}

/** 2300 REF segments, in the guide's order (9F, G1, F8, D9, EA). */
function writeClaimReferences(w: SegmentWriter, p: X12Planter, party: ClaimParty, withF8: boolean): void {
  const ref = (qualifier: string, value: string) =>
    w.seg('REF', qualifier, p.plant('id', '2300/REF/REF02', value));
  if (p.chance(0.25)) ref('9F', `RF${p.digits(8)}`);
  if (p.chance(0.35)) ref('G1', `PA${p.digits(9)}`);
  if (withF8) ref('F8', `PCC${p.digits(11)}`);
  if (p.chance(0.4)) ref('D9', `CH${p.digits(12)}`);
  if (p.chance(0.7)) ref('EA', party.mrn);
}

/** HI with ICD-10-CM: ABK principal then ABF others; returns how many, for SV107 pointers. */
function writeDiagnoses(w: SegmentWriter, p: X12Planter): number {
  const count = p.int(1, 4);
  const codes = new Set<string>();
  while (codes.size < count) codes.add(p.pick(ICD10_CM));
  const elements = [...codes].map((code, i) => [
    i === 0 ? 'ABK' : 'ABF',
    p.keep('ICD-10-CM', `2300/HI/HI${String(i + 1).padStart(2, '0')}-2`, code),
  ]);
  w.seg('HI', ...elements);
  return count;
}

/** Place of service 12: the service facility is the patient's home, so it is planted. */
function writeHomeFacility(w: SegmentWriter, p: X12Planter, party: ClaimParty): void {
  const { patient } = party;
  w.seg('NM1', '77', '2', p.plant('name', '2310C/NM1/NM103', `${patient.first} ${patient.last} RESIDENCE`));
  const home = patient.address;
  // 5010 wants a nine-digit ZIP for a service facility.
  const zip = home.zip.length === 9 ? home.zip : `${home.zip}${p.int(1000, 9999)}`;
  writePlantedAddress(w, p, '2310C', { ...home, zip });
  if (party.homeContact && p.chance(0.5)) writePhone(w, p, '2310C', patient);
}

/** Place of service 11: an office's address identifies no patient; recorded as not planted. */
function writeOfficeFacility(w: SegmentWriter, p: X12Planter): void {
  const office = p.pick(ORGANISATIONS);
  w.seg('NM1', '77', '2', p.unplant('2310C/NM1/NM103', office.name, 'office (POS 11)'), ...nmId(p));
  w.seg('N3', p.unplant('2310C/N3/N301', office.street, 'office (POS 11)'));
  w.seg(
    'N4',
    p.unplant('2310C/N4/N401', office.city, 'office (POS 11)'),
    office.state,
    p.unplant('2310C/N4/N403', office.zip, 'office (POS 11)'),
  );
}

const nmId = (p: X12Planter): (string | undefined)[] => [
  undefined,
  undefined,
  undefined,
  undefined,
  'XX',
  npi(p),
];

export function writePlantedAddress(w: SegmentWriter, p: X12Planter, loop: string, address: Address): void {
  w.seg(
    'N3',
    p.plant('address', `${loop}/N3/N301`, address.street),
    address.unit === undefined ? undefined : p.plant('address', `${loop}/N3/N302`, address.unit),
  );
  w.seg(
    'N4',
    p.plant('city', `${loop}/N4/N401`, address.city),
    address.state,
    p.plant('zip', `${loop}/N4/N403`, address.zip, address.restricted ? { restrictedZip3: true } : {}),
  );
}

/** Drop-off: a hospital (not planted) or, on a trip home, a residence (planted). */
function writeDropOff(w: SegmentWriter, p: X12Planter, loop: string): void {
  if (p.chance(0.4)) {
    w.seg('NM1', '45', '2');
    writePlantedAddress(w, p, loop, newAddress(p));
    return;
  }
  const hospital = p.pick(HOSPITALS);
  const why = 'hospital drop-off';
  w.seg('NM1', '45', '2', p.unplant(`${loop}/NM1/NM103`, hospital.name, why));
  w.seg('N3', p.unplant(`${loop}/N3/N301`, hospital.street, why));
  w.seg(
    'N4',
    p.unplant(`${loop}/N4/N401`, hospital.city, why),
    hospital.state,
    p.unplant(`${loop}/N4/N403`, hospital.zip, why),
  );
}

function writeLine(
  w: SegmentWriter,
  p: X12Planter,
  party: ClaimParty,
  line: Line,
  number: number,
  diagnoses: number,
  setting: Setting,
  service: string,
  stay: number,
  adjudication: Adjudication | undefined,
): void {
  w.seg('LX', String(number));
  const description = p.chance(0.3) ? lineDescription(p, party, '2400/SV1/SV101-7') : '';
  const code = p.keep(line.system, '2400/SV1/SV101-2', line.code);
  const procedure = [line.qualifier, code, line.modifier ?? '', '', '', '', description];
  const pointers = Array.from({ length: p.int(1, diagnoses) }, (_, i) => String(i + 1));
  w.seg('SV1', procedure, money(line.cents), 'UN', String(line.units), undefined, undefined, pointers);
  if (setting === 'ambulance' && p.chance(0.3)) {
    w.seg(
      'CR1',
      'LB',
      String(p.int(90, 260)),
      undefined,
      'A',
      'DH',
      String(line.units),
      undefined,
      undefined,
      p.text('2400/CR1/CR109', ['RETURN TRIP FOR', ['name', party.patient.last]]),
    );
  }
  if (stay > 0 && p.chance(0.5)) {
    const from = p.plant('date', '2400/DTP/DTP03', service);
    const to = p.plant('date', '2400/DTP/DTP03', p.addDays(service, stay));
    w.seg('DTP', '472', 'RD8', rd8(from, to));
  } else {
    w.seg(
      'DTP',
      '472',
      'D8',
      p.plant('date', '2400/DTP/DTP03', p.addDays(service, stay > 0 ? p.int(0, stay) : 0)),
    );
  }
  // Other line dates, in the guide's order (prescription, therapy begun, last seen, test, shipped, initial treatment).
  for (const qualifier of ['471', '463', '304', '738', '011', '454']) {
    if (p.chance(0.05)) {
      w.seg('DTP', qualifier, 'D8', p.plant('date', '2400/DTP/DTP03', p.addDays(service, -p.int(1, 90))));
    }
  }
  if (p.chance(0.5)) w.seg('REF', '6R', p.plant('id', '2400/REF/REF02', `LN${p.digits(9)}`));
  if (p.chance(0.08)) w.seg('K3', freeText(p, party, '2400/K3/K301'));
  if (p.chance(0.25)) w.seg('NTE', 'ADD', freeText(p, party, '2400/NTE/NTE02'));
  if (line.drug !== undefined) {
    w.seg('LIN', undefined, 'N4', p.keep('NDC', '2410/LIN/LIN03', line.drug.ndc));
    w.seg('CTP', undefined, undefined, undefined, String(p.int(1, 10)), [line.drug.unit]);
    if (p.chance(0.8)) w.seg('REF', 'XZ', p.plant('id', '2410/REF/REF02', `RX${p.digits(8)}`));
  }
  if (setting === 'ambulance' && p.chance(0.3)) {
    w.seg('NM1', 'PW', '2');
    writePlantedAddress(w, p, '2420G', party.patient.address);
    writeDropOff(w, p, '2420H');
  }
  if (adjudication !== undefined) {
    const adjudicated = [line.qualifier, line.code, ...(line.modifier === undefined ? [] : [line.modifier])];
    writeLineAdjudication(w, p, '837P', adjudication, {
      index: number - 1,
      cents: line.cents,
      units: line.units,
      procedure: adjudicated,
    });
  }
  if (setting !== 'ambulance' && p.chance(0.08)) {
    // 2440: a certificate of medical necessity; its answers hold a date and a sentence about the patient.
    w.seg('LQ', 'UT', p.pick(['01.02', '04.04', '484.03']));
    w.seg('FRM', '1', 'Y');
    w.seg(
      'FRM',
      '2',
      undefined,
      undefined,
      p.plant('date', '2440/FRM/FRM04', p.addDays(service, -p.int(1, 60))),
    );
    w.seg('FRM', '3', undefined, p.text('2440/FRM/FRM03', ['ORDERED FOR', ['name', party.patient.last]]));
  }
}
