import { describe, expect, it } from 'vitest';
import { builtInProfile } from '../../../shared/core/deid/contract.js';
import { createDeidEngine } from '../../../shared/core/deid/engine.js';
import {
  claimPatientId,
  claimPatientKey,
  claimPatientKeyOf,
  claimPatientShiftKey,
} from '../../../shared/core/deid/x12/patient-key.js';
import { x12IdentifierSystem } from '../../../shared/core/deid/x12/transform.js';
import {
  BILLING_PROVIDER,
  deid,
  find,
  interchange,
  KEY_ID,
  REFERENCE_DATE,
  SECRET,
  segmentsOf,
  subscriber,
} from './x12-fixtures.js';

const PERSON = {
  last: 'ZQXSTONE',
  first: 'ZQXJANE',
  memberId: 'MBR7788123',
  street: '41 ZQXMAPLE LANE',
  city: 'ZQXBROOKVILLE',
  zip: '553081234',
  birth: '19720314',
};

function claim(body: readonly string[]): string[] {
  return [...body, 'HI*ABK:R0789', 'LX*1', 'SV1*HC:99213*10*UN*1***1', 'DTP*472*D8*20240102'];
}

/** A subscriber with a dependent child: 2000B, then 2000C with 2010CA, then the child's claim. */
const FAMILY = interchange('837P', [
  ...BILLING_PROVIDER,
  ...subscriber(2, { ...PERSON, child: true }),
  'HL*3*2*23*0',
  'PAT*19',
  'NM1*QC*1*ZQXSTONE*ZQXTIM',
  'N3*41 ZQXMAPLE LANE',
  'N4*ZQXBROOKVILLE*MN*553081234',
  'DMG*D8*20150607*M',
  ...claim(['CLM*PCN9*10***11:B:1*Y*A*Y*Y']),
]);

describe('claimPatientKey', () => {
  it('is the subscriber for a 2000B claim and the dependent, told apart by name and birth date, for a 2000C one', () => {
    const subscriberKey = claimPatientKey({ payerId: '87726', memberId: 'MBR7788123' });
    expect(subscriberKey).toMatch(/^[0-9a-f]{64}$/);
    expect(claimPatientKey({ payerId: ' 87726', memberId: 'mbr7788123 ' })).toBe(subscriberKey);
    expect(claimPatientKey({ payerId: '87727', memberId: 'MBR7788123' })).not.toBe(subscriberKey);
    const child = (birthDate: string) =>
      claimPatientKey({
        payerId: '87726',
        memberId: 'MBR7788123',
        dependent: { lastName: 'ZQXSTONE', firstName: 'ZQXTIM', birthDate },
      });
    expect(child('20150607')).not.toBe(subscriberKey);
    expect(child('20150608')).not.toBe(child('20150607'));
    const placed = segmentsOf(FAMILY);
    const of = (loop: string) =>
      placed.filter((s) => s.loopPath.includes(loop) && !s.loopPath.includes('2000C'));
    expect(claimPatientKeyOf(of('2000B'), undefined)).toBe(subscriberKey);
    expect(
      claimPatientKeyOf(
        of('2000B'),
        placed.filter((s) => s.loopPath.includes('2000C')),
      ),
    ).toBe(child('20150607'));
  });

  it('gives a valid FHIR id', () => {
    const id = claimPatientId(claimPatientKey({ payerId: 'P', memberId: 'M' }));
    expect(id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
  });
});

describe('one patient, two formats', () => {
  it('shifts the dates of the claim patient by the days FHIR shifts the mapped Patient, and pseudonymizes the member id alike', () => {
    const x12 = deid(
      interchange('837P', [
        ...BILLING_PROVIDER,
        ...subscriber(2, PERSON),
        ...claim(['CLM*PCN1*10***11:B:1*Y*A*Y*Y']),
      ]),
      'limited-data-set',
    ).text;
    const key = claimPatientKey({ payerId: '87726', memberId: 'MBR7788123' });
    expect(claimPatientShiftKey(key)).toBe(`Patient/${claimPatientId(key)}`);
    const engine = createDeidEngine({
      contract: builtInProfile('limited-data-set'),
      secret: SECRET,
      keyId: KEY_ID,
      referenceDate: REFERENCE_DATE,
    });
    const { output } = engine.deidentifyBundle({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          fullUrl: 'urn:uuid:6e1b0f2a-4c8d-4e5f-9a0b-1c2d3e4f5a6b',
          resource: {
            resourceType: 'Patient',
            id: claimPatientId(key),
            identifier: [{ system: x12IdentifierSystem('MI'), value: 'MBR7788123' }],
            birthDate: '1972-03-14',
          },
        },
      ],
    });
    const patient = (output.entry as { resource: Record<string, unknown> }[])[0]?.resource ?? {};
    const birth = String(patient.birthDate).replaceAll('-', '');
    expect(find(x12, '2010BA', 'DMG')[2]).toBe(birth);
    expect(birth).not.toBe('19720314');
    const identifier = (patient.identifier as { value: string }[])[0]?.value;
    expect(find(x12, '2010BA', 'NM1')[9]).toBe(identifier);
  });

  it("shifts a dependent's dates by the dependent's days, and the subscriber's by the subscriber's", () => {
    const out = deid(FAMILY, 'limited-data-set').text;
    const parse = (d: string) => Date.parse(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`);
    const shift = (from: string, to: string) => (parse(to) - parse(from)) / 86_400_000;
    const subscriberShift = shift('19720314', find(out, '2010BA', 'DMG')[2] ?? '');
    const childShift = shift('20150607', find(out, '2010CA', 'DMG')[2] ?? '');
    expect(shift('20240102', find(out, '2400', 'DTP')[3] ?? '')).toBe(childShift);
    expect(childShift).not.toBe(subscriberShift);
  });
});
