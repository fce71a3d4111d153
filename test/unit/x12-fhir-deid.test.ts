import type { Bundle, Claim, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { compileSelectors } from '../../shared/core/deid/compile.js';
import { builtInProfile } from '../../shared/core/deid/contract.js';
import { createDeidEngine } from '../../shared/core/deid/engine.js';
import { Pseudonyms } from '../../shared/core/deid/pseudonyms.js';
import { deidentifyX12 } from '../../shared/core/deid/x12/deidentify.js';
import { claimBundleHandler } from '../../shared/core/x12/fhir/claim-bundles.js';
import type { PlacedSegment } from '../../shared/core/x12/read-model.js';
import { readX12 } from '../../shared/core/x12/reader.js';

const SECRET = new Uint8Array(32).fill(7);
const KEY_ID = 'fhirmap-key';
const REFERENCE_DATE = '2025-01-01';

const interchange = (body: string[]): string => {
  const set = ['ST*837*0001*005010X222A1', ...body];
  return [
    'ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *240105*1200*^*00501*000000001*0*T*:',
    'GS*HC*S*R*20240105*1200*1*X*005010X222A1',
    ...set,
    `SE*${set.length + 1}*0001`,
    'GE*1*1',
    'IEA*1*000000001',
  ]
    .map((s) => `${s}~`)
    .join('\n');
};

/** Two patients (a subscriber, then a dependent of another subscriber), with dates in several places. */
const TEXT = interchange([
  'BHT*0019*00*B1*20240105*1200*CH',
  'NM1*41*2*SUBMITTER INC*****46*S1',
  'PER*IC*DESK*TE*8005550123',
  'NM1*40*2*RECEIVER INC*****46*R1',
  'HL*1**20*1',
  'NM1*85*2*VALLEY CLINIC*****XX*1234567893',
  'N3*1 RIVER RD',
  'N4*SPOKANE*WA*99201',
  'REF*EI*305211667',
  'HL*2*1*22*0',
  'SBR*P*18*GRP1******CI',
  'NM1*IL*1*ZQXSTONE*ZQXJANE****MI*MBR7788123',
  'N3*9 MAPLE ST',
  'N4*BROOKVILLE*MN*55308',
  'DMG*D8*19720314*F',
  'NM1*PR*2*CASCADE MUTUAL*****PI*87726',
  'CLM*PCN55512X*100***11:B:1*Y*A*Y*I',
  'HI*ABK:J0300',
  'LX*1',
  'SV1*HC:99213*100*UN*1***1',
  'DTP*472*D8*20240102',
  'HL*3*1*22*1',
  'SBR*P**GRP2******CI',
  'NM1*IL*1*ZQXROCK*ZQXJOHN****MI*MBR5550001',
  'NM1*PR*2*CASCADE MUTUAL*****PI*87726',
  'HL*4*3*23*0',
  'PAT*19',
  'NM1*QC*1*ZQXROCK*ZQXJIMMY',
  'N3*4 OAK ST',
  'N4*BROOKVILLE*MN*55308',
  'DMG*D8*20100704*M',
  'CLM*PCN77*50***11:B:1*Y*A*Y*I',
  'HI*ABK:R509',
  'LX*1',
  'SV1*HC:99212*50*UN*1***1',
  'DTP*472*D8*20240103',
]);

const days = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 86_400_000;
const iso = (d8: string): string => `${d8.slice(0, 4)}-${d8.slice(4, 6)}-${d8.slice(6, 8)}`;

describe('the mapped Bundle de-identified as FHIR agrees with the 837 de-identified as X12', () => {
  it('shifts each patient by the same days and pseudonymizes the member id and CLM01 alike', () => {
    const contract = builtInProfile('limited-data-set');
    const bytes = new TextEncoder().encode(TEXT);

    const x12 = deidentifyX12(bytes, {
      contract: compileSelectors(contract),
      pseudonyms: new Pseudonyms(SECRET, KEY_ID, contract.name),
      keyId: KEY_ID,
      referenceDate: REFERENCE_DATE,
    });
    const out: PlacedSegment[] = [];
    readX12(x12.output, (s) => out.push(s));
    const dmgs = out.filter((s) => s.id === 'DMG').map((s) => iso(s.elements[2] ?? ''));
    const services = out
      .filter((s) => s.id === 'DTP' && s.elements[1] === '472')
      .map((s) => iso(s.elements[3] ?? ''));
    const clm01s = out.filter((s) => s.id === 'CLM').map((s) => s.elements[1]);

    const bundles: Bundle[] = [];
    readX12(
      bytes,
      claimBundleHandler((bundle) => bundles.push(bundle)),
    );
    const engine = createDeidEngine({
      contract,
      secret: SECRET,
      keyId: KEY_ID,
      referenceDate: REFERENCE_DATE,
    });
    const fhir = bundles.map((b) => engine.deidentifyBundle(b).output as unknown as Bundle);
    const resource = <T>(b: Bundle, type: string) =>
      b.entry?.find((e) => e.resource?.resourceType === type)?.resource as T;

    const births = ['1972-03-14', '2010-07-04'];
    const served = ['2024-01-02', '2024-01-03'];
    const shifts: number[] = [];
    fhir.forEach((bundle, i) => {
      const patient = resource<Patient>(bundle, 'Patient');
      const claim = resource<Claim>(bundle, 'Claim');
      const shift = days(births[i] ?? '', patient.birthDate ?? '');
      shifts.push(shift);
      // The same days in both formats, for the birth date and the service date alike.
      expect(days(births[i] ?? '', dmgs[i] ?? '')).toBe(shift);
      expect(days(served[i] ?? '', claim.item?.[0]?.servicedDate ?? '')).toBe(shift);
      expect(days(served[i] ?? '', services[i] ?? '')).toBe(shift);
      // CLM01 gets the same pseudonym in the 837 and in Claim.identifier.
      expect(claim.identifier?.[0]?.value).toBe(clm01s[i]);
    });
    expect(shifts[0]).not.toBe(0);
    expect(shifts[1]).not.toBe(shifts[0]);
    const text = JSON.stringify(fhir);
    for (const value of ['ZQXSTONE', 'ZQXJANE', 'ZQXJIMMY', 'MBR7788123', 'PCN55512X', '9 MAPLE ST']) {
      expect(text.includes(value), value).toBe(false);
    }
  });
});
