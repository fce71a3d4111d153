import { describe, expect, it } from 'vitest';
import { Pseudonyms } from '../../../shared/core/deid/pseudonyms.js';
import { deidentifyX12 } from '../../../shared/core/deid/x12/deidentify.js';
import { compileX12Selectors } from '../../../shared/core/deid/x12/selectors.js';
import { x12IdentifierSystem } from '../../../shared/core/deid/x12/transform.js';
import { PipelineError } from '../../../shared/core/errors.js';
import {
  BILLING_PROVIDER,
  deid,
  find,
  interchange,
  KEY_ID,
  read,
  SECRET,
  segmentsOf,
  servicesFor,
  subscriber,
} from './x12-fixtures.js';

const JANE = {
  last: 'ZQXSTONE',
  first: 'ZQXJANE',
  memberId: 'MBR7788123',
  street: '41 ZQXMAPLE LANE',
  city: 'ZQXBROOKVILLE',
  zip: '553081234',
  birth: '19720314',
};

/** An ambulance claim for a subscriber-patient, place of service 12 (home), planted everywhere. */
function ambulance837P(pos = '12'): string {
  return interchange(
    '837P',
    [
      ...BILLING_PROVIDER,
      ...subscriber(2, JANE),
      `CLM*PCN55512X*766.5***${pos}:B:1*Y*A*Y*Y`,
      'DTP*454*D8*20231230',
      'DTP*439*D8*20240102',
      'PWK*OB*BM***AC*ATT998877',
      'REF*4N*1',
      'REF*9F*REFERRAL7766',
      'REF*G1*PA445566',
      'REF*F8*PAYERCTL123',
      'REF*D9*CLAIMNO12345',
      'REF*EA*MRN0098765',
      'K3*PATIENT ZQXSTONE CALLED FROM 6125550199',
      'NTE*ADD*ZQXJANE ZQXSTONE FELL AT HOME',
      'CR1*LB*140**A*DH*12***PICKED UP ZQXJANE AT HOME*STRETCHER FOR ZQXSTONE',
      'HI*ABK:S0990XA*ABF:R0789',
      'NM1*77*2*ZQXSTONE RESIDENCE*****XX*1234567893',
      'N3*41 ZQXMAPLE LANE',
      'N4*ZQXBROOKVILLE*MN*553081234',
      'NM1*PW*2',
      'N3*41 ZQXMAPLE LANE',
      'N4*ZQXBROOKVILLE*MN*553081234',
      'NM1*45*2*NORTHRIDGE REGIONAL HOSPITAL',
      'N3*15 SUMMIT BOULEVARD',
      'N4*DENVER*CO*802041234',
      'SBR*S*01*OTHERGRP77*ZQXOTHER EMPLOYER*****CI',
      'OI***Y*P**Y',
      'NM1*IL*1*ZQXRIVERS*ZQXSAM****MI*OTHERMBR991',
      'N3*9 ZQXOAK COURT',
      'N4*ZQXLAKETOWN*MN*55121',
      'REF*SY*987654321',
      'NM1*PR*2*STATE MEDICAID AGENCY*****PI*SKMD0',
      'LX*1',
      'SV1*HC:A0427:RH::::ZQXSTONE TRANSPORT*700*UN*1***1',
      'DTP*472*RD8*20240102-20240103',
      'REF*6R*LINECTL001',
      'NTE*ADD*LINE NOTE FOR ZQXJANE',
      'NM1*PW*2',
      'N3*41 ZQXMAPLE LANE',
      'N4*ZQXBROOKVILLE*MN*553081234',
      'LX*2',
      'SV1*HC:J1100*66.5*UN*1***1',
      'DTP*472*D8*20240102',
      'LIN**N4*00781301495',
      'CTP****1*ML',
      'REF*XZ*RX55667788',
    ],
    { isaSecurity: true },
  );
}

const PLANTED = [
  'ZQXSTONE',
  'ZQXJANE',
  'MBR7788123',
  'ZQXMAPLE',
  'ZQXBROOKVILLE',
  '553081234',
  '19720314',
  '777441234',
  '6125550199',
  'ZQXHOME',
  'GRP445566',
  'ZQXWIDGET',
  'PCN55512X',
  'ATT998877',
  'PA445566',
  'PAYERCTL123',
  'MRN0098765',
  'REFERRAL7766',
  'CLAIMNO12345',
  'ZQXRIVERS',
  'ZQXSAM',
  'OTHERMBR991',
  'OTHERGRP77',
  'ZQXOTHER',
  'ZQXOAK',
  'ZQXLAKETOWN',
  '987654321',
  'LINECTL001',
  'RX55667788',
  'SECRETPASS',
  'PWD9876543',
  'PICKED UP',
  'STRETCHER',
  'TRANSPORT',
  '20240102',
  '20231230',
  '20240103',
];

describe('X12 837P de-identification under Safe Harbor', () => {
  const input = ambulance837P();
  const out = deid(input).text;

  it('leaves none of the planted values, and the output reads back with no issue and counts that add up', () => {
    expect(read(input).issues).toEqual([]);
    for (const value of PLANTED) expect(out.includes(value), value).toBe(false);
    const result = read(out);
    expect(result.issues.map((i) => i.expression)).toEqual([]);
    const se = segmentsOf(out).find((s) => s.id === 'SE');
    const set = segmentsOf(out).filter((s) => s.position > 0);
    expect(Number(se?.elements[1])).toBe(set.length);
    // PER, REF*SY (twice), REF*G1/F8/EA/9F/D9, REF*6R, REF*XZ, K3 and both NTEs are gone.
    expect(set.length).toBe(segmentsOf(input).filter((s) => s.position > 0).length - 13);
  });

  it('blanks ISA02 and ISA04 at their fixed widths', () => {
    const isa = out.slice(0, out.indexOf('~'));
    expect(isa.length).toBe(105);
    expect(isa.startsWith(`ISA*00*${' '.repeat(10)}*00*${' '.repeat(10)}*`)).toBe(true);
  });

  it('keeps clinical codes, charges, the provider, the payer and the REF*4N code', () => {
    for (const kept of ['A0427', 'J1100', 'S0990XA', 'R0789', '00781301495', '766.5', '700', '1234567893']) {
      expect(out).toContain(kept);
    }
    expect(out).toContain('NM1*85*2*VALLEY GENERAL CLINIC*****XX*1234567893');
    expect(out).toContain('NM1*PR*2*CASCADE MUTUAL INSURANCE*****PI*87726');
    expect(out).toContain('REF*4N*1');
    expect(out).toContain('NM1*45*2*NORTHRIDGE REGIONAL HOSPITAL');
  });

  it('writes a placeholder where NM103 and N301 are required and empties the rest of the name', () => {
    expect(find(out, '2010BA', 'NM1')).toEqual([
      'NM1',
      'IL',
      '1',
      'REDACTED',
      '',
      '',
      '',
      '',
      'MI',
      expect.stringMatching(/^[0-9a-f]{32}$/),
    ]);
    expect(find(out, '2330A', 'NM1')[3]).toBe('REDACTED');
    expect(find(out, '2010BA', 'N3')).toEqual(['N3', 'REDACTED']);
  });

  it('cuts dates to the year as YYYY0101, both ends of an RD8, and a DMG birth date', () => {
    expect(find(out, '2300', 'DTP', 0)[3]).toBe('20230101');
    expect(find(out, '2300', 'DTP', 1)[3]).toBe('20240101');
    expect(find(out, '2400', 'DTP', 0)[3]).toBe('20240101-20240101');
    expect(find(out, '2010BA', 'DMG')[2]).toBe('19720101');
  });

  it('applies the ZIP3 rule to the patient, the pick-up location and a home service facility, not the drop-off hospital city', () => {
    for (const loop of ['2010BA', '2310C', '2310E', '2420G', '2330A']) {
      const n4 = find(out, loop, 'N4');
      expect(n4[1], loop).toBe('REDACTED');
      expect(n4[3], loop).toMatch(/^\d{3}00$/);
    }
    expect(find(out, '2310F', 'N4')[3]).toBe('80200');
    expect(find(out, '2310C', 'NM1')[3]).toBe('REDACTED');
  });

  it('keeps the service facility of an office visit (place of service 11)', () => {
    const office = deid(ambulance837P('11')).text;
    // Its name holds the patient's, so it goes wherever it is; the address stays: it is a facility's.
    expect(find(office, '2310C', 'NM1')[3]).toBe('REDACTED');
    expect(find(office, '2310C', 'N3')[1]).toBe('41 ZQXMAPLE LANE');
    expect(find(office, '2310C', 'N4')[3]).toBe('553081234');
    expect(find(out, '2310C', 'N3')[1]).toBe('REDACTED');
  });

  it('drops free text: NTE and K3 segments go, CR1 and SV101-7 descriptions are emptied', () => {
    expect(segmentsOf(out).some((s) => s.id === 'NTE' || s.id === 'K3')).toBe(false);
    expect(find(out, '2300', 'CR1').slice(9)).toEqual([]);
    expect(find(out, '2400', 'SV1')[1]).toBe('HC:A0427:RH');
  });

  it('is deterministic', () => {
    expect(deid(input).text).toBe(out);
  });
});

describe('X12 under a limited data set', () => {
  const input = ambulance837P();
  const out = deid(input, 'limited-data-set').text;

  it('pseudonymizes identifiers as FHIR does for the same system and value', () => {
    const pseudonyms = new Pseudonyms(SECRET, KEY_ID, 'limited-data-set');
    expect(find(out, '2010BA', 'NM1')[9]).toBe(
      pseudonyms.identifierValue(x12IdentifierSystem('MI'), 'MBR7788123'),
    );
    expect(find(out, '2300', 'CLM')[1]).toBe(
      pseudonyms.identifierValue(x12IdentifierSystem('CLM01'), 'PCN55512X'),
    );
    expect(find(out, '2300', 'REF', 0, 'G1')[2]).toBe(
      pseudonyms.identifierValue(x12IdentifierSystem('G1'), 'PA445566'),
    );
    for (const value of ['MBR7788123', 'PCN55512X', 'PA445566', 'RX55667788', 'LINECTL001']) {
      expect(out.includes(value), value).toBe(false);
    }
    expect(read(out).issues).toEqual([]);
  });

  it('shifts every date of the patient by the same days, keeps the city and the ZIP, removes names and streets', () => {
    const days = (a: string, b: string) =>
      (Date.parse(`${b.slice(0, 4)}-${b.slice(4, 6)}-${b.slice(6, 8)}`) -
        Date.parse(`${a.slice(0, 4)}-${a.slice(4, 6)}-${a.slice(6, 8)}`)) /
      86_400_000;
    const birth = find(out, '2010BA', 'DMG')[2] ?? '';
    const service = find(out, '2300', 'DTP', 1)[3] ?? '';
    const [from = '', to = ''] = (find(out, '2400', 'DTP', 0)[3] ?? '').split('-');
    const shift = days('19720314', birth);
    expect(shift).not.toBe(0);
    expect(Math.abs(shift)).toBeLessThanOrEqual(365);
    expect(days('20240102', service)).toBe(shift);
    expect(days('20240102', from)).toBe(shift);
    expect(days('20240103', to)).toBe(shift);
    expect(find(out, '2010BA', 'N4')[1]).toBe('ZQXBROOKVILLE');
    expect(find(out, '2010BA', 'N4')[3]).toBe('553081234');
    for (const value of ['ZQXSTONE', 'ZQXJANE', 'ZQXMAPLE', '777441234', '6125550199', 'ZQXWIDGET']) {
      expect(out.includes(value), value).toBe(false);
    }
  });
});

describe('X12 places', () => {
  it('turns a restricted ZIP3 into three characters 000', () => {
    const input = interchange('837P', [
      ...BILLING_PROVIDER,
      ...subscriber(2, { ...JANE, zip: '036011234' }),
      'CLM*PCN1*10***11:B:1*Y*A*Y*Y',
      'HI*ABK:R0789',
      'LX*1',
      'SV1*HC:99213*10*UN*1***1',
      'DTP*472*D8*20240102',
    ]);
    const out = deid(input).text;
    expect(find(out, '2010BA', 'N4')[3]).toBe('000');
    expect(read(out).issues).toEqual([]);
  });

  it('withholds a birth date over 89 at the 90+ floor year', () => {
    const input = interchange('837P', [
      ...BILLING_PROVIDER,
      ...subscriber(2, { ...JANE, birth: '19300202' }),
      'CLM*PCN1*10***11:B:1*Y*A*Y*Y',
      'HI*ABK:R0789',
      'LX*1',
      'SV1*HC:99213*10*UN*1***1',
      'DTP*472*D8*20240102',
    ]);
    expect(find(deid(input).text, '2010BA', 'DMG')[2]).toBe('19350101');
  });

  it('finds the dates inside 837I HI composites (BH, BI, BBR) and keeps a DT format', () => {
    const input = interchange('837I', [
      ...BILLING_PROVIDER,
      ...subscriber(2, { ...JANE, institutional: true }),
      'CLM*PCN2*260***13:A:1**A*Y*Y',
      'DTP*434*RD8*20240105-20240109',
      'DTP*435*DT*202401051130',
      'CL1*1*7*01',
      'HI*ABK:R0789',
      'HI*BBR:0SRD0JZ:D8:20240106',
      'HI*BI:74:RD8:20231201-20231203',
      'HI*BH:11:D8:20240104*BH:24:D8:20240103',
      'NM1*71*1*RAMASWAMY*PRIYA****XX*1234567893',
      'LX*1',
      'SV2*0450*HC:99284:::::ER VISIT FOR ZQXSTONE*260*UN*4',
      'DTP*472*D8*20240105',
    ]);
    const plain = read(input);
    expect(plain.issues).toEqual([]);
    const out = deid(input).text;
    expect(find(out, '2300', 'HI', 1)[1]).toBe('BBR:0SRD0JZ:D8:20240101');
    expect(find(out, '2300', 'HI', 2)[1]).toBe('BI:74:RD8:20230101-20230101');
    expect(find(out, '2300', 'HI', 3).slice(1)).toEqual(['BH:11:D8:20240101', 'BH:24:D8:20240101']);
    expect(find(out, '2300', 'DTP', 1)[3]).toBe('202401010000');
    expect(find(out, '2400', 'SV2')[2]).toBe('HC:99284');
    expect(out).toContain('NM1*71*1*RAMASWAMY*PRIYA****XX*1234567893');
    expect(read(out).issues).toEqual([]);
    const shifted = deid(input, 'limited-data-set').text;
    expect(find(shifted, '2300', 'DTP', 1)[3]).toMatch(/^\d{8}1130$/);
    expect(find(shifted, '2300', 'HI', 3)[1]).toMatch(/^BH:11:D8:\d{8}$/);
    expect(find(shifted, '2300', 'HI', 3)[1]).not.toBe('BH:11:D8:20240104');
  });

  it('scrubs free text instead of dropping it under a contract that scrubs', () => {
    const input = ambulance837P();
    const contract = { ...servicesContract(), freeText: 'scrub' as const };
    const out = deid(input, contract).text;
    const nte = find(out, '2300', 'NTE');
    expect(nte[2]).toContain('FELL AT HOME');
    expect(nte[2]).not.toContain('ZQXSTONE');
    expect(nte[2]).not.toContain('ZQXJANE');
    expect(read(out).issues).toEqual([]);
  });
});

function servicesContract() {
  return {
    schemaVersion: 1 as const,
    name: 'scrubbing',
    version: '1.0.0',
    profile: 'limited-data-set' as const,
    dates: { method: 'shift' as const, shift: { minDays: -30, maxDays: 30, timeOfDay: 'keep' as const } },
    zip: { method: 'zip3' as const, restrictedPrefixes: 'union' as const },
    ages: { over89: 'aggregate' as const },
    identifiers: 'pseudonymize' as const,
    resources: {},
    extensions: [],
    rules: [],
    output: { format: 'same' as const },
  };
}

describe('an X12 allow-list', () => {
  it('keeps what it names and the structure, and removes the rest with SE01 recomputed', () => {
    const keep = compileX12Selectors(['2300/DTP*439', '2400/QTY']);
    const input = ambulance837P();
    const out = deid(input, 'safe-harbor', keep).text;
    const ids = segmentsOf(out).map((s) => `${s.loop}/${s.id}`);
    expect(ids).toContain('2300/CLM');
    expect(ids).toContain('2400/SV1');
    expect(ids.filter((id) => id === '2300/DTP')).toHaveLength(1);
    expect(ids).not.toContain('2300/PWK');
    expect(ids).not.toContain('2300/CR1');
    expect(ids).not.toContain('2300/REF');
    expect(read(out).issues).toEqual([]);
  });

  it('refuses a selector it cannot read, naming its position', () => {
    expect(() => compileX12Selectors(['2300/CLM', 'CLM01'])).toThrow(PipelineError);
    expect(() => compileX12Selectors(['2300/CLM', 'CLM01'])).toThrow(/x12\.keep\[1\]/);
  });
});

describe('what X12 de-identification refuses', () => {
  it('refuses a guide it cannot place (4010), rather than guess where names are', () => {
    const input = interchange('837P', [
      ...BILLING_PROVIDER,
      ...subscriber(2, JANE),
      'CLM*PCN1*10***11:B:1*Y*A*Y*Y',
      'HI*ABK:R0789',
      'LX*1',
      'SV1*HC:99213*10*UN*1***1',
      'DTP*472*D8*20240102',
    ]).replaceAll('005010X222A1', '004010X098A1');
    let thrown: unknown;
    try {
      deid(input);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PipelineError);
    expect((thrown as PipelineError).code).toBe('content-invalid');
    expect((thrown as PipelineError).message).not.toContain('ZQX');
  });

  it('treats the segments after a subscriber NM1 as the person, even where the reader could not place them', () => {
    const input = interchange('837P', [
      ...BILLING_PROVIDER,
      ...subscriber(2, JANE),
      'CLM*PCN1*10***11:B:1*Y*A*Y*Y',
      'HI*ABK:R0789',
      // Out of place: a subscriber name inside the claim.
      'NM1*IL*1*ZQXSTRAY*ZQXNAME****MI*STRAY12345',
      'N3*77 ZQXSTRAY ROAD',
      'N4*ZQXSTRAYTOWN*MN*55101',
      'LX*1',
      'SV1*HC:99213*10*UN*1***1',
      'DTP*472*D8*20240102',
    ]);
    const out = deid(input).text;
    for (const value of ['ZQXSTRAY', 'ZQXNAME', 'STRAY12345', 'ZQXSTRAYTOWN', '55101']) {
      expect(out.includes(value), value).toBe(false);
    }
  });
});

describe('streaming', () => {
  it('gives the same output from chunks as from the whole, and hands it on segment by segment', () => {
    const input = new TextEncoder().encode(
      interchange('837P', [
        ...BILLING_PROVIDER,
        ...subscriber(2, JANE),
        'CLM*PCN1*10***11:B:1*Y*A*Y*Y',
        'HI*ABK:R0789',
        'LX*1',
        'SV1*HC:99213*10*UN*1***1',
        'DTP*472*D8*20240102',
      ]),
    );
    const whole = deid(input).text;
    const chunks = function* () {
      for (let at = 0; at < input.length; at += 7) yield input.subarray(at, at + 7);
    };
    const pieces: string[] = [];
    const streamed = deidentifyX12(chunks(), servicesFor('safe-harbor'), (piece) => pieces.push(piece));
    expect(streamed.output.length).toBe(0);
    expect(pieces.join('')).toBe(whole);
    expect(pieces.length).toBe(streamed.segments);
  });
});

describe('several interchanges in one file', () => {
  it('reads each interchange with its own component separator (ISA16)', () => {
    const body = (c: string) => [
      ...BILLING_PROVIDER,
      ...subscriber(2, { ...JANE, institutional: true }),
      `CLM*PCN2*260***13${c}A${c}1**A*Y*Y`,
      'DTP*434*RD8*20240105-20240109',
      'CL1*1*7*01',
      `HI*ABK${c}R0789`,
      `HI*BH${c}11${c}D8${c}20240104`,
      'LX*1',
      `SV2*0450*HC${c}99284${c}${c}${c}${c}${c}ER VISIT FOR ZQXSTONE*260*UN*4`,
      'DTP*472*D8*20240105',
    ];
    const first = interchange('837I', body(':'));
    const second = interchange('837I', body('>'))
      .replace('*T*:~', '*T*>~')
      .replaceAll('000000001', '000000002');
    const input = first + second;
    expect(read(input).issues).toEqual([]);
    const out = deid(input).text;
    expect(out).not.toContain('20240104');
    expect(out).not.toContain('ZQXSTONE');
    expect(out).toContain('HI*BH>11>D8>20240101');
    expect(read(out).issues).toEqual([]);
  });
});
