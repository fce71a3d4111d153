import type {
  Bundle,
  Claim,
  Coverage,
  Encounter,
  Organization,
  Patient,
  Practitioner,
  Resource,
} from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import {
  claimPatientId,
  claimPatientKeyOf,
  claimPatientShiftKey,
} from '../../shared/core/deid/x12/patient-key.js';
import { x12IdentifierSystem } from '../../shared/core/deid/x12/transform.js';
import { isPipelineError } from '../../shared/core/errors.js';
import { validateBundle } from '../../shared/core/fhir/validate-bundle.js';
import { claimGrouper } from '../../shared/core/x12/claims.js';
import { SYSTEM } from '../../shared/core/x12/fhir/codes.js';
import {
  mapClaimStreamToFhir,
  mapClaimsToFhir,
  mapClaimToFhir,
} from '../../shared/core/x12/fhir/map-claim.js';
import type { ClaimUnit } from '../../shared/core/x12/read-model.js';
import { readX12 } from '../../shared/core/x12/reader.js';

const P = '005010X222A1';
const I = '005010X223A3';
const LAST_UPDATED = '2026-12-03T12:00:00Z';

/** An interchange around some 837 bodies (one transaction set each); `c` is the component separator. */
function interchange(version: string, bodies: string[][], c = ':'): string {
  const isa = `ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *230101*1200*^*00501*000000123*0*P*${c}`;
  const sets = bodies.flatMap((body, i) => {
    const control = String(i + 1).padStart(4, '0');
    return [`ST*837*${control}*${version}`, ...body, `SE*${body.length + 2}*${control}`];
  });
  return [isa, `GS*HC*S*R*20230101*1200*7*X*${version}`, ...sets, `GE*${bodies.length}*7`, 'IEA*1*000000123']
    .map((s) => `${s}~`)
    .join('\n');
}

const HEADER = [
  'BHT*0019*00*1*20230105*1200*CH',
  'NM1*41*2*SUBMITTER INC*****46*S1',
  'NM1*40*2*RECEIVER INC*****46*R1',
];
const BILLING = [
  'HL*1**20*1',
  'PRV*BI*PXC*207Q00000X',
  'NM1*85*2*NORTH CLINIC*****XX*1234567893',
  'N3*1 CLINIC WAY*SUITE 2',
  'N4*SPRINGFIELD*IL*627010001',
  'REF*EI*371234567',
];
const subscriberSelf = (id = 'MEM100', hl = '2') => [
  `HL*${hl}*1*22*0`,
  'SBR*P*18*GRP77*ACME WORKS*****CI',
  `NM1*IL*1*DOE*JANE*Q***MI*${id}`,
  'N3*12 ELM ST',
  'N4*SPRINGFIELD*IL*62702',
  'DMG*D8*19800229*F',
  'NM1*PR*2*BIG PAYER*****PI*PAYER9',
];

/** The reader's claims of an interchange, with its delimiters. */
function readClaims(text: string) {
  const claims: ClaimUnit[] = [];
  const result = readX12(
    new TextEncoder().encode(text),
    claimGrouper((claim) => claims.push(claim)),
  );
  return { delimiters: result.delimiters, claims, issues: result.issues };
}

function map(text: string, options: { lastUpdated?: string; submissionId?: string } = {}): Bundle[] {
  const { delimiters, claims } = readClaims(text);
  return claims.map((claim) => mapClaimToFhir(claim, delimiters, options));
}

const resources = <T extends Resource>(bundle: Bundle, type: T['resourceType']): T[] =>
  (bundle.entry ?? []).map((e) => e.resource).filter((r): r is T => r?.resourceType === type);
const one = <T extends Resource>(bundle: Bundle, type: T['resourceType']): T => {
  const found = resources<T>(bundle, type);
  expect(found).toHaveLength(1);
  return found[0] as T;
};
const byRef = (bundle: Bundle, reference: string | undefined): Resource | undefined =>
  bundle.entry?.find((e) => e.fullUrl === reference)?.resource;

describe('837P claim → FHIR', () => {
  const professional = (extra: { claim?: string[]; lines?: string[][] } = {}) =>
    interchange(P, [
      [
        ...HEADER,
        ...BILLING,
        ...subscriberSelf(),
        'CLM*PCN-1*180.50***11:B:1*Y*A*Y*I',
        'REF*EA*MRN-55',
        'REF*G1*AUTH-1',
        'HI*ABK:J0300*ABF:E119*ABF:I10',
        ...(extra.claim ?? []),
        'NM1*DN*1*REFER*RITA****XX*1111111112',
        'NM1*82*1*RENDER*RAY*M***XX*2222222228',
        'PRV*PE*PXC*207R00000X',
        'NM1*77*2*SATELLITE OFFICE*****XX*3333333334',
        'N3*9 SIDE ST',
        'N4*SPRINGFIELD*IL*62703',
        ...(
          extra.lines ?? [
            ['LX*1', 'SV1*HC:99214:25*120.50*UN*1***1:3', 'DTP*472*D8*20230102'],
            ['LX*2', 'SV1*HC:J1100:LT:RT*60*UN*3*22**2', 'DTP*472*RD8*20230103-20230104'],
          ]
        ).flat(),
      ],
    ]);

  it('maps the claim header, codes and lines', () => {
    const [bundle] = map(professional());
    expect(bundle?.type).toBe('collection');
    const b = bundle as Bundle;
    const claim = one<Claim>(b, 'Claim');
    expect(b.entry?.[0]?.resource?.resourceType).toBe('Claim');
    expect(claim.type.coding?.[0]).toEqual({ system: SYSTEM.claimType, code: 'professional' });
    expect(claim.use).toBe('claim');
    expect(claim.status).toBe('active');
    expect(claim.created).toBe('2023-01-05');
    expect(claim.total).toEqual({ value: 180.5, currency: 'USD' });
    expect(claim.identifier?.[0]).toMatchObject({ system: SYSTEM.clm01, value: 'PCN-1' });
    expect(claim.billablePeriod).toEqual({ start: '2023-01-02', end: '2023-01-04' });
    expect(claim.diagnosis?.map((d) => d.diagnosisCodeableConcept?.coding?.[0])).toEqual([
      { system: SYSTEM.icd10cm, code: 'J03.00' },
      { system: SYSTEM.icd10cm, code: 'E11.9' },
      { system: SYSTEM.icd10cm, code: 'I10' },
    ]);
    expect(claim.diagnosis?.[0]?.type?.[0]?.coding?.[0]?.code).toBe('principal');
    expect(claim.diagnosis?.[2]?.type?.[0]?.coding?.[0]?.code).toBe('other');
    expect(claim.insurance?.[0]?.preAuthRef).toEqual(['AUTH-1']);

    const [first, second] = claim.item ?? [];
    expect(first?.productOrService.coding?.[0]).toEqual({ system: SYSTEM.cpt, code: '99214' });
    expect(first?.modifier?.map((m) => m.coding?.[0])).toEqual([{ system: SYSTEM.cpt, code: '25' }]);
    expect(first?.diagnosisSequence).toEqual([1, 3]);
    expect(first?.servicedDate).toBe('2023-01-02');
    expect(first?.locationCodeableConcept?.coding?.[0]).toEqual({
      system: SYSTEM.placeOfService,
      code: '11',
    });
    expect(first?.net).toEqual({ value: 120.5, currency: 'USD' });
    expect(second?.productOrService.coding?.[0]).toEqual({ system: SYSTEM.hcpcs, code: 'J1100' });
    expect(second?.modifier?.map((m) => m.coding?.[0]?.code)).toEqual(['LT', 'RT']);
    expect(second?.servicedPeriod).toEqual({ start: '2023-01-03', end: '2023-01-04' });
    expect(second?.locationCodeableConcept?.coding?.[0]?.code).toBe('22');
    expect(second?.quantity).toEqual({ value: 3 });
    expect(second?.unitPrice).toEqual({ value: 20, currency: 'USD' });
    expect(second?.diagnosisSequence).toEqual([2]);
    expect(() => validateBundle(b)).not.toThrow();
  });

  it('maps the parties: billing provider, payer, patient, coverage and care team', () => {
    const b = map(professional())[0] as Bundle;
    const claim = one<Claim>(b, 'Claim');
    const billing = byRef(b, claim.provider.reference) as Organization;
    expect(billing.name).toBe('NORTH CLINIC');
    expect(billing.identifier).toEqual([
      expect.objectContaining({ system: SYSTEM.npi, value: '1234567893' }),
      expect.objectContaining({ system: SYSTEM.tin, value: '371234567' }),
    ]);
    expect(billing.address?.[0]).toEqual({
      line: ['1 CLINIC WAY', 'SUITE 2'],
      city: 'SPRINGFIELD',
      state: 'IL',
      postalCode: '62701-0001',
    });
    const payer = byRef(b, claim.insurer?.reference) as Organization;
    expect(payer.name).toBe('BIG PAYER');
    expect(payer.identifier?.[0]?.value).toBe('PAYER9');

    const patient = byRef(b, claim.patient.reference) as Patient;
    expect(patient.name?.[0]).toEqual({ family: 'DOE', given: ['JANE', 'Q'] });
    expect(patient.gender).toBe('female');
    expect(patient.birthDate).toBe('1980-02-29');
    expect(patient.address?.[0]?.city).toBe('SPRINGFIELD');
    expect(patient.identifier?.map((i) => [i.type?.coding?.[0]?.code, i.value])).toEqual([
      ['MB', 'MEM100'],
      ['MR', 'MRN-55'],
    ]);

    const coverage = byRef(b, claim.insurance[0]?.coverage.reference) as Coverage;
    expect(coverage.subscriberId).toBe('MEM100');
    expect(coverage.beneficiary.reference).toBe(claim.patient.reference);
    expect(coverage.subscriber?.reference).toBe(claim.patient.reference);
    expect(coverage.relationship?.coding?.[0]?.code).toBe('self');
    expect(coverage.payor[0]?.reference).toBe(claim.insurer?.reference);
    expect(coverage.class?.[0]).toMatchObject({ value: 'GRP77', name: 'ACME WORKS' });
    expect(coverage.order).toBe(1);

    const team = claim.careTeam ?? [];
    expect(team.map((m) => m.role?.coding?.[0]?.code)).toEqual(['referring', 'rendering']);
    const rendering = byRef(b, team[1]?.provider.reference) as Practitioner;
    expect(rendering.name?.[0]).toEqual({ family: 'RENDER', given: ['RAY', 'M'] });
    expect(rendering.identifier?.[0]?.value).toBe('2222222228');
    expect(team[1]?.qualification?.coding?.[0]).toEqual({ system: SYSTEM.taxonomy, code: '207R00000X' });
    const facility = claim.supportingInfo?.find((s) => s.category.coding?.[0]?.code === 'servicefacility');
    expect((byRef(b, facility?.valueReference?.reference) as Organization).name).toBe('SATELLITE OFFICE');
    expect(resources(b, 'Encounter')).toHaveLength(0);
  });

  it('maps line-level providers to the care team and links them from the item', () => {
    const b = map(
      professional({
        lines: [
          ['LX*1', 'SV1*HC:99213*50*UN*1***1', 'DTP*472*D8*20230102', 'NM1*82*1*LINE*LOU****XX*4444444440'],
          ['LX*2', 'SV1*HC:99213*50*UN*1***1', 'DTP*472*D8*20230102'],
          ['LX*3', 'SV1*HC:99213*50*UN*1***1', 'DTP*472*D8*20230102', 'NM1*82*1*LINE*LOU****XX*4444444440'],
          ['LX*4', 'SV1*HC:99213*50*UN*1***1', 'DTP*472*D8*20230102', 'NM1*82*1*OTHER*OLA****XX*5555555551'],
        ],
      }),
    )[0] as Bundle;
    const claim = one<Claim>(b, 'Claim');
    const sequence = claim.item?.[0]?.careTeamSequence?.[0];
    const member = claim.careTeam?.find((m) => m.sequence === sequence);
    expect((byRef(b, member?.provider.reference) as Practitioner).name?.[0]?.family).toBe('LINE');
    expect(claim.item?.[1]?.careTeamSequence).toBeUndefined();
    // The same provider on two lines is one care-team member and one Practitioner.
    expect(claim.item?.[2]?.careTeamSequence).toEqual([sequence]);
    const fourth = claim.careTeam?.find((m) => m.sequence === claim.item?.[3]?.careTeamSequence?.[0]);
    expect((byRef(b, fourth?.provider.reference) as Practitioner).name?.[0]?.family).toBe('OTHER');
    expect(
      resources<Practitioner>(b, 'Practitioner')
        .map((p) => p.name?.[0]?.family)
        .sort(),
    ).toEqual(['LINE', 'OTHER', 'REFER', 'RENDER']);
    expect(() => validateBundle(b)).not.toThrow();
  });

  it('maps a dependent patient (2000C) with the relationship from PAT01 and no member id of their own', () => {
    const text = interchange(P, [
      [
        ...HEADER,
        ...BILLING,
        'HL*2*1*22*1',
        'SBR*P**GRP1******CI',
        'NM1*IL*1*DOE*JOHN****MI*SUB200',
        'NM1*PR*2*BIG PAYER*****PI*PAYER9',
        'HL*3*2*23*0',
        'PAT*19',
        'NM1*QC*1*DOE*JIMMY',
        'N3*12 ELM ST',
        'N4*SPRINGFIELD*IL*62702',
        'DMG*D8*20100704*M',
        'CLM*PCN-2*50***11:B:1*Y*A*Y*I',
        'HI*ABK:R509',
        'LX*1',
        'SV1*HC:99213*50*UN*1***1',
        'DTP*472*D8*20230102',
      ],
    ]);
    for (const lastUpdated of [undefined, LAST_UPDATED]) {
      const b = map(text, lastUpdated === undefined ? {} : { lastUpdated })[0] as Bundle;
      const patient = one<Patient>(b, 'Patient');
      expect(patient.name?.[0]).toEqual({ family: 'DOE', given: ['JIMMY'] });
      expect(patient.gender).toBe('male');
      expect(patient.birthDate).toBe('2010-07-04');
      expect(patient.identifier).toBeUndefined();
      // A dependent has no member id: the C4BB Patient profile (memberid 1..*) is not claimed.
      expect(patient.meta?.profile).toBeUndefined();
      const coverage = one<Coverage>(b, 'Coverage');
      expect(coverage.relationship?.coding?.[0]?.code).toBe('child');
      expect(coverage.subscriberId).toBe('SUB200');
      expect(coverage.subscriber).toBeUndefined();
      expect(() => validateBundle(b)).not.toThrow();
    }
  });

  it('maps hospitalization dates to an inpatient Encounter and an accident with its date', () => {
    const b = map(
      professional({
        claim: ['DTP*439*D8*20221230', 'DTP*435*D8*20230101', 'DTP*096*D8*20230104'],
      }).replace('Y*A*Y*I~', 'Y*A*Y*I**AA:::IL~'),
    )[0] as Bundle;
    const encounter = one<Encounter>(b, 'Encounter');
    expect(encounter.class.code).toBe('IMP');
    expect(encounter.period).toEqual({ start: '2023-01-01', end: '2023-01-04' });
    expect(encounter.status).toBe('finished');
    const claim = one<Claim>(b, 'Claim');
    expect(claim.item?.[0]?.encounter?.[0]?.reference).toBe(
      b.entry?.find((e) => e.resource === encounter)?.fullUrl,
    );
    expect(claim.accident?.date).toBe('2022-12-30');
    expect(claim.accident?.type?.coding?.[0]?.code).toBe('MVA');
    expect(claim.accident?.locationAddress?.state).toBe('IL');
    expect(() => validateBundle(b)).not.toThrow();
  });

  it('splits composites on the interchange component separator', () => {
    const text = interchange(
      P,
      [
        [
          ...HEADER,
          ...BILLING,
          ...subscriberSelf(),
          'CLM*PCN-3*70***11>B>1*Y*A*Y*I',
          'HI*ABK>M545*ABF>M5416',
          'LX*1',
          'SV1*HC>97110>GP*70*UN*2***2>1',
          'DTP*472*D8*20230102',
        ],
      ],
      '>',
    );
    const claim = one<Claim>(map(text)[0] as Bundle, 'Claim');
    expect(claim.diagnosis?.map((d) => d.diagnosisCodeableConcept?.coding?.[0]?.code)).toEqual([
      'M54.5',
      'M54.16',
    ]);
    expect(claim.item?.[0]?.productOrService.coding?.[0]?.code).toBe('97110');
    expect(claim.item?.[0]?.modifier?.[0]?.coding?.[0]).toEqual({ system: SYSTEM.hcpcs, code: 'GP' });
    expect(claim.item?.[0]?.diagnosisSequence).toEqual([2, 1]);
    expect(claim.item?.[0]?.locationCodeableConcept?.coding?.[0]?.code).toBe('11');
  });

  it('drops values that are not valid FHIR rather than passing them on', () => {
    const text = interchange(P, [
      [
        ...HEADER.map((s) => s.replace('20230105', '20231345')),
        ...BILLING,
        ...subscriberSelf().map((s) => s.replace('19800229', '19810229').replace('*F', '*X')),
        'CLM*PCN-4*abc***11:B:1*Y*A*Y*I',
        'HI*ABK:J0300',
        'LX*1',
        'SV1*HC:99213*1.2.3*UN*x***1:9:0',
        'DTP*472*D8*20230231',
        'LX*2',
        'SV1*HC:99213*10*UN*1***1',
        'DTP*472*RD8*20230105-20230101',
        'LX*3',
        'SV1*HC:99213*10*UN*1***1',
        'DTP*472*D8*20230110',
        'LX*99999999999',
        'SV1*HC:A  1:X   Y*10*UN*1*1  2**1',
        'DTP*472*D8*20230110',
      ],
    ]);
    const b = map(text)[0] as Bundle;
    const claim = one<Claim>(b, 'Claim');
    // BHT04 is no date: created falls back to the first day billed.
    expect(claim.created).toBe('2023-01-10');
    expect(claim.total).toBeUndefined();
    expect(claim.item?.[0]?.net).toBeUndefined();
    expect(claim.item?.[0]?.quantity).toBeUndefined();
    expect(claim.item?.[0]?.servicedDate).toBeUndefined();
    expect(claim.item?.[0]?.diagnosisSequence).toEqual([1]);
    expect(claim.item?.[1]?.servicedPeriod).toBeUndefined();
    // An LX01 beyond positiveInt numbers the line by its place; whitespace runs in codes are collapsed.
    expect(claim.item?.[3]?.sequence).toBe(4);
    expect(claim.item?.[3]?.productOrService.coding?.[0]?.code).toBe('A 1');
    expect(claim.item?.[3]?.modifier?.[0]?.coding?.[0]?.code).toBe('X Y');
    expect(claim.item?.[3]?.locationCodeableConcept?.coding?.[0]?.code).toBe('1 2');
    const patient = one<Patient>(b, 'Patient');
    expect(patient.birthDate).toBeUndefined();
    expect(patient.gender).toBeUndefined();
    expect(() => validateBundle(b)).not.toThrow();
  });

  it('refuses a claim without a billing provider or payer with a position, never a value', () => {
    const noPayer = interchange(P, [
      [
        ...HEADER,
        ...BILLING,
        ...subscriberSelf().filter((s) => !s.startsWith('NM1*PR')),
        'CLM*SECRET-PCN*1***11:B:1*Y*A*Y*I',
        'LX*1',
        'SV1*HC:99213*1*UN*1***1',
      ],
    ]);
    try {
      map(noPayer);
      expect.unreachable();
    } catch (error) {
      expect(isPipelineError(error) && error.code).toBe('invalid-claim');
      expect(JSON.stringify(error)).not.toContain('SECRET-PCN');
      expect(String((error as Error).message)).not.toContain('BIG PAYER');
    }
  });
});

describe('837I claim → FHIR', () => {
  const institutional = (cl1 = 'CL1*1*7*01', frequency = '1') =>
    interchange(I, [
      [
        ...HEADER,
        ...BILLING.map((s) => s.replace('NORTH CLINIC', 'GENERAL HOSPITAL')),
        ...subscriberSelf('MEM300'),
        `CLM*PCN-9*2500.75***11:A:${frequency}**A*Y*Y`,
        'DTP*096*TM*1130',
        'DTP*434*RD8*20230101-20230105',
        'DTP*435*DT*202212311830',
        cl1,
        'HI*ABK:A419:::::::Y',
        'HI*ABJ:R509',
        'HI*ABF:N179:::::::N*ABF:E871:::::::U',
        'HI*BBR:0T9B70Z:D8:20230102',
        'HI*BBQ:5A1955Z:D8:20230103',
        'HI*DR:871',
        'NM1*71*1*ATTEND*ANN****XX*5555555551',
        'PRV*AT*PXC*207RI0200X',
        'NM1*72*1*OPERATE*OTTO****XX*6666666662',
        'LX*1',
        'SV2*0120*HC:99223*2000.75*DA*4*500',
        'LX*2',
        'SV2*0250**500*UN*10',
        'DTP*472*D8*20230102',
      ],
    ]);

  it('maps an inpatient stay: statement period, diagnoses with POA, procedures, revenue lines, encounter', () => {
    const b = map(institutional(), { lastUpdated: LAST_UPDATED })[0] as Bundle;
    const claim = one<Claim>(b, 'Claim');
    expect(claim.type.coding?.[0]?.code).toBe('institutional');
    expect(claim.billablePeriod).toEqual({ start: '2023-01-01', end: '2023-01-05' });
    expect(
      claim.diagnosis?.map((d) => [
        d.diagnosisCodeableConcept?.coding?.[0]?.code,
        d.type?.[0]?.coding?.[0]?.code,
        d.onAdmission?.coding?.[0]?.code,
      ]),
    ).toEqual([
      ['A41.9', 'principal', 'Y'],
      ['R50.9', 'admitting', undefined],
      ['N17.9', 'other', 'N'],
      ['E87.1', 'other', 'U'],
    ]);
    expect(
      claim.procedure?.map((p) => [
        p.procedureCodeableConcept?.coding?.[0],
        p.date,
        p.type?.[0]?.coding?.[0]?.code,
      ]),
    ).toEqual([
      [{ system: SYSTEM.icd10pcs, code: '0T9B70Z' }, '2023-01-02', 'principal'],
      [{ system: SYSTEM.icd10pcs, code: '5A1955Z' }, '2023-01-03', 'other'],
    ]);
    const info = Object.fromEntries(
      (claim.supportingInfo ?? []).map((s) => [s.category.coding?.[0]?.code, s.code?.coding?.[0]]),
    );
    expect(info.typeofbill).toEqual({ system: SYSTEM.typeOfBill, code: '0111' });
    expect(info.admtype).toEqual({ system: SYSTEM.admitType, code: '1' });
    expect(info.pointoforigin).toEqual({ system: SYSTEM.pointOfOrigin, code: '7' });
    expect(info['discharge-status']).toEqual({ system: SYSTEM.dischargeStatus, code: '01' });
    expect(info.drg).toEqual({ system: SYSTEM.drg, code: '871' });

    const [room, pharmacy] = claim.item ?? [];
    expect(room?.revenue?.coding?.[0]).toEqual({ system: SYSTEM.revenue, code: '0120' });
    expect(room?.productOrService.coding?.[0]).toEqual({ system: SYSTEM.cpt, code: '99223' });
    expect(room?.quantity).toMatchObject({ value: 4, code: 'd' });
    expect(room?.unitPrice).toEqual({ value: 500, currency: 'USD' });
    expect(room?.locationCodeableConcept).toBeUndefined();
    expect(pharmacy?.revenue?.coding?.[0]?.code).toBe('0250');
    expect(pharmacy?.productOrService.coding?.[0]).toEqual({
      system: SYSTEM.dataAbsentReason,
      code: 'not-applicable',
    });
    expect(pharmacy?.unitPrice).toEqual({ value: 50, currency: 'USD' });
    expect(pharmacy?.servicedDate).toBe('2023-01-02');

    expect(
      claim.careTeam?.map((m) => [m.role?.coding?.[0]?.code, m.qualification?.coding?.[0]?.code]),
    ).toEqual([
      ['attending', '207RI0200X'],
      ['operating', undefined],
    ]);
    const encounter = one<Encounter>(b, 'Encounter');
    expect(encounter.class.code).toBe('IMP');
    expect(encounter.status).toBe('finished');
    // DT admission: the day only (FHIR needs a zone with a time of day; X12 has none).
    expect(encounter.period).toEqual({ start: '2022-12-31', end: '2023-01-05' });
    expect(encounter.hospitalization?.admitSource?.coding?.[0]?.code).toBe('7');
    expect(encounter.hospitalization?.dischargeDisposition?.coding?.[0]?.code).toBe('01');
    expect(encounter.priority?.coding?.[0]?.code).toBe('1');
    expect(claim.item?.every((i) => i.encounter?.[0]?.reference !== undefined)).toBe(true);
    expect(() => validateBundle(b)).not.toThrow();
  });

  it('keeps a stay open while the patient is still in (CL103 30) or the bill is interim', () => {
    for (const text of [institutional('CL1*1*7*30'), institutional('CL1*1*7*01', '2')]) {
      const b = map(text)[0] as Bundle;
      const encounter = one<Encounter>(b, 'Encounter');
      expect(encounter.status).toBe('in-progress');
      expect(encounter.period?.end).toBeUndefined();
      expect(() => validateBundle(b)).not.toThrow();
    }
  });

  it('maps an outpatient bill to an ambulatory encounter', () => {
    const b = map(institutional().replace('11:A:1', '13:A:1'))[0] as Bundle;
    expect(one<Encounter>(b, 'Encounter').class.code).toBe('AMB');
    const claim = one<Claim>(b, 'Claim');
    expect(
      claim.supportingInfo?.find((s) => s.category.coding?.[0]?.code === 'typeofbill')?.code?.coding?.[0]
        ?.code,
    ).toBe('0131');
  });
});

describe('coordination of benefits (2320/2330)', () => {
  it('maps each other payer to a Coverage and Organization after the focal one', () => {
    const text = interchange(P, [
      [
        ...HEADER,
        ...BILLING,
        ...subscriberSelf(),
        'CLM*PCN-5*100***11:B:1*Y*A*Y*I',
        'HI*ABK:J0300',
        'SBR*S*01*G2*SPOUSE CORP*****CI',
        'OI***Y*P**Y',
        'NM1*IL*1*DOE*JOHN****MI*OTHER-1',
        'NM1*PR*2*SECOND PAYER*****PI*P2',
        'SBR*T*18*******MB',
        'NM1*IL*1*DOE*JANE****MI*OTHER-2',
        'NM1*PR*2*THIRD PAYER*****PI*P3',
        'LX*1',
        'SV1*HC:99213*100*UN*1***1',
        'DTP*472*D8*20230102',
      ],
    ]);
    const b = map(text, { lastUpdated: LAST_UPDATED })[0] as Bundle;
    const claim = one<Claim>(b, 'Claim');
    expect(claim.insurance.map((i) => [i.sequence, i.focal])).toEqual([
      [1, true],
      [2, false],
      [3, false],
    ]);
    const coverages = claim.insurance.map((i) => byRef(b, i.coverage.reference) as Coverage);
    expect(coverages.map((c) => [c.subscriberId, c.relationship?.coding?.[0]?.code, c.order])).toEqual([
      ['MEM100', 'self', 1],
      ['OTHER-1', 'spouse', 2],
      ['OTHER-2', 'self', 3],
    ]);
    expect(coverages.map((c) => (byRef(b, c.payor[0]?.reference) as Organization).name)).toEqual([
      'BIG PAYER',
      'SECOND PAYER',
      'THIRD PAYER',
    ]);
    expect(() => validateBundle(b)).not.toThrow();
  });
});

describe('profiles, ids and streaming', () => {
  const twoClaims = interchange(P, [
    [
      ...HEADER,
      ...BILLING,
      ...subscriberSelf(),
      'CLM*A*10***11:B:1*Y*A*Y*I',
      'HI*ABK:J0300',
      'LX*1',
      'SV1*HC:99213*10*UN*1***1',
      'DTP*472*D8*20230102',
      'CLM*B*20***11:B:1*Y*A*Y*I',
      'HI*ABK:J0300',
      'LX*1',
      'SV1*HC:99213*20*UN*1***1',
      'DTP*472*D8*20230103',
      ...subscriberSelf('MEM999', '3'),
      'CLM*C*30***11:B:1*Y*A*Y*I',
      'HI*ABK:J0300',
      'LX*1',
      'SV1*HC:99213*30*UN*1***1',
      'DTP*472*D8*20230104',
    ],
  ]);

  it('claims C4BB profiles only with meta.lastUpdated and only where the resource conforms', () => {
    const plain = map(twoClaims)[0] as Bundle;
    for (const entry of plain.entry ?? []) expect(entry.resource?.meta).toBeUndefined();
    const dated = map(twoClaims, { lastUpdated: LAST_UPDATED })[0] as Bundle;
    const profiles = Object.fromEntries(
      (dated.entry ?? []).map((e) => [
        e.resource?.resourceType,
        e.resource?.meta?.profile?.[0]?.split('|')[0]?.split('/').pop(),
      ]),
    );
    expect(profiles).toEqual({
      Claim: undefined,
      Organization: 'C4BB-Organization',
      Patient: 'C4BB-Patient',
      Coverage: 'C4BB-Coverage',
    });
    for (const entry of dated.entry ?? []) expect(entry.resource?.meta?.lastUpdated).toBe(LAST_UPDATED);
    expect(() => map(twoClaims, { lastUpdated: '2026-12-03' })).toThrow();
  });

  it('is deterministic: same claim, same Bundle; other claims, other ids; same patient, same Patient.id', () => {
    const first = map(twoClaims);
    expect(map(twoClaims)).toEqual(first);
    const [a, b, c] = first as [Bundle, Bundle, Bundle];
    const claimIds = [a, b, c].map((bundle) => one<Claim>(bundle, 'Claim').id);
    expect(new Set(claimIds).size).toBe(3);
    expect(new Set([a, b, c].map((bundle) => bundle.id)).size).toBe(3);
    const patientIds = [a, b, c].map((bundle) => one<Patient>(bundle, 'Patient').id);
    expect(patientIds[0]).toBe(patientIds[1]);
    expect(patientIds[2]).not.toBe(patientIds[0]);
    for (const bundle of [a, b, c]) {
      for (const entry of bundle.entry ?? []) {
        if (entry.resource?.resourceType === 'Patient')
          expect(entry.fullUrl).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
        else expect(entry.fullUrl).toBe(`urn:uuid:${entry.resource?.id}`);
      }
    }
  });

  it('names the patient as X12 de-identification does, so both shift the same patient by the same days', () => {
    const { delimiters, claims } = readClaims(twoClaims);
    for (const claim of claims) {
      const patient = one<Patient>(mapClaimToFhir(claim, delimiters, {}), 'Patient');
      expect(patient.id).toBe(claimPatientId(claimPatientKeyOf(claim.subscriber, claim.patient)));
      expect(`Patient/${patient.id}`).toBe(
        claimPatientShiftKey(claimPatientKeyOf(claim.subscriber, claim.patient)),
      );
    }
  });

  it('names its own identifiers under the systems X12 de-identification pseudonymizes them under', () => {
    expect([SYSTEM.clm01, SYSTEM.memberId, SYSTEM.medicalRecord, SYSTEM.claimReference]).toEqual([
      x12IdentifierSystem('CLM01'),
      x12IdentifierSystem('MI'),
      x12IdentifierSystem('EA'),
      x12IdentifierSystem('F8'),
    ]);
  });

  it('records the submission as the Bundle meta.source', () => {
    const bundle = map(twoClaims, { submissionId: 'sub-42' })[0] as Bundle;
    expect(bundle.meta?.source).toBe('urn:phi-pipeline:submission:sub-42');
  });

  it('streams one Bundle per claim, synchronously and asynchronously', async () => {
    const { delimiters, claims } = readClaims(twoClaims);
    const sync = [...mapClaimsToFhir(claims, delimiters)];
    expect(sync.map((b) => one<Claim>(b, 'Claim').identifier?.[0]?.value)).toEqual(['A', 'B', 'C']);
    async function* source() {
      yield* claims;
    }
    const streamed: Bundle[] = [];
    for await (const bundle of mapClaimStreamToFhir(source(), delimiters)) streamed.push(bundle);
    expect(streamed).toEqual(sync);
  });

  it('is checked by a live validator: a mapped Bundle with a required element removed is refused', () => {
    const bundle = structuredClone(map(twoClaims)[0] as Bundle);
    const claim = one<Claim>(bundle, 'Claim') as Partial<Claim>;
    delete claim.priority;
    expect(() => validateBundle(bundle)).toThrow();
  });
});
