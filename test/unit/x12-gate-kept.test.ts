import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { claimsAsBundle } from '../../shared/app/claim-copy.js';
import { builtInProfile, type ConsumerContract, parseContract } from '../../shared/core/deid/contract.js';
import { createDeidEngine } from '../../shared/core/deid/engine.js';
import { createReleaseGate } from '../../shared/core/deid/gate/gate.js';
import { collectX12IdentifyingValues, x12Verdict } from '../../shared/core/deid/gate/x12.js';
import { Pseudonyms } from '../../shared/core/deid/pseudonyms.js';
import { deidentifyX12 } from '../../shared/core/deid/x12/deidentify.js';
import { x12IdentifierSystem } from '../../shared/core/deid/x12/transform.js';
import {
  BILLING_PROVIDER,
  interchange,
  KEY_ID,
  read,
  SECRET,
  segmentsOf,
  servicesFor,
  subscriber,
} from './deid/x12-fixtures.js';

/**
 * The X12 release gate judges each element as what the contract keeps there (issue 11: an uploaded
 * 837 was dead-lettered `residual-phi` on values that only coincided with an identifier): a kept city
 * that another person is named after, an amount whose digits are a member id, a kept date or ZIP whose
 * digits are an identifier, a pseudonym whose hex digits spell an input date. And it still refuses
 * every identifier the contract removes, in every kind of place, including the places it now judges.
 */

const enc = (text: string) => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const SAFE_HARBOR = builtInProfile('safe-harbor');
const LIMITED = builtInProfile('limited-data-set');
/** Limited data set, service dates and five-digit ZIPs kept, an X12 allow-list: the shipped contract. */
const BILLING = parseContract(JSON.parse(readFileSync('contracts/billing.json', 'utf8')), 'billing.json');

/** Subscriber A: last name ZQXJACKSON, ZIP+4 777441234 (the digits of every subscriber's REF*SY). */
const A = {
  last: 'ZQXJACKSON',
  first: 'ZQXANNA',
  memberId: 'MBR1234567',
  street: '41 ZQXMAPLE LANE',
  city: 'ZQXBROOKVILLE',
  zip: '777441234',
  birth: '19720314',
};
/** Subscriber B lives in a town called ZQXJACKSON: A's name. */
const B = {
  last: 'ZQXRIVERS',
  first: 'ZQXBEN',
  memberId: 'MBR5550001',
  street: '9 ZQXOAK COURT',
  city: 'ZQXJACKSON',
  zip: '601011234',
  birth: '19800507',
};

/** Subscriber C lives in a town that spells C's own name: a limited data set removes that town. */
const C = {
  last: 'ZQXSELBY',
  first: 'ZQXCORA',
  memberId: 'MBR7770003',
  street: '5 ZQXBIRCH WAY',
  city: 'ZQXSELBY',
  zip: '551011234',
  birth: '19650101',
};

/**
 * A's claim: its charge, line charge and paid amount are 12345.67 (the digits of A's member id); its
 * payer claim number is B's birth date. B's claim: an ambulance pick-up and another subscriber in
 * ZQXJACKSON, a service date that is also B's medical record number.
 */
function coincidences837P(): string {
  return interchange('837P', [
    ...BILLING_PROVIDER,
    ...subscriber(2, A),
    'CLM*PCNA0001*12345.67***11:B:1*Y*A*Y*Y',
    'DTP*431*D8*20231115',
    'REF*F8*19800507',
    'HI*ABK:J0300',
    'SBR*S*01*OTHERGRP77******CI',
    'AMT*D*12345.67',
    'OI***Y*P**Y',
    'NM1*IL*1*ZQXPARTNER*ZQXCAL****MI*OTHERMBR991',
    'N3*3 ZQXELM ROAD',
    'N4*ZQXBROOKVILLE*MN*777441234',
    'NM1*PR*2*STATE MEDICAID AGENCY*****PI*SKMD0',
    'LX*1',
    'SV1*HC:99213*12345.67*UN*1***1',
    'DTP*472*D8*20231115',
    ...subscriber(3, B),
    'CLM*PCNB0002*700***41:B:1*Y*A*Y*Y',
    'DTP*439*D8*20240102',
    'REF*EA*20240102',
    'HI*ABK:S0990XA',
    'NM1*PW*2',
    'N3*77 ZQXPINE STREET',
    'N4*ZQXJACKSON*MN*601011234',
    'SBR*S*01*OTHERGRP78******CI',
    'OI***Y*P**Y',
    'NM1*IL*1*ZQXRIVERS*ZQXBEA****MI*OTHERMBR992',
    'N3*9 ZQXOAK COURT',
    'N4*ZQXJACKSON*MN*601011234',
    'NM1*PR*2*STATE MEDICAID AGENCY*****PI*SKMD0',
    'LX*1',
    'SV1*HC:A0427*700*UN*1***1',
    'DTP*472*D8*20240102',
    ...subscriber(4, C),
    'CLM*PCNC0003*700***41:B:1*Y*A*Y*Y',
    'HI*ABK:S0990XA',
    'NM1*PW*2',
    'N3*5 ZQXBIRCH WAY',
    'N4*ZQXSELBY*MN*551011234',
    'SBR*S*01*OTHERGRP79*ZQXOTHER EMPLOYER*****CI',
    'OI***Y*P**Y',
    'NM1*IL*1*ZQXSELBY*ZQXCAM****MI*OTHERMBR993',
    'N3*5 ZQXBIRCH WAY',
    'N4*ZQXSELBY*MN*551011234',
    'NM1*PR*2*STATE MEDICAID AGENCY*****PI*SKMD0',
    'LX*1',
    'SV1*HC:A0427*700*UN*1***1',
    'DTP*472*D8*20240102',
  ]);
}

interface Copy {
  readonly contract: ConsumerContract;
  readonly input: string;
  readonly output: string;
}

function copyOf(contract: ConsumerContract, input = coincidences837P()): Copy {
  const output = dec(deidentifyX12(enc(input), servicesFor(contract)).output);
  return { contract, input, output };
}

function verdictOf(copy: Copy, output = copy.output) {
  const gate = createReleaseGate(copy.contract);
  const values = collectX12IdentifyingValues(enc(copy.input), gate.policy);
  return x12Verdict(gate, values, enc(output));
}

/** The output with element `n` of the `nth` segment `id` of `loop` set to `value` (one segment per line). */
function withElement(text: string, loop: string, id: string, n: number, value: string, nth = 0): string {
  const lines = text.split('~\n');
  const target = segmentsOf(text).filter((s) => s.loop === loop && s.id === id)[nth];
  if (target === undefined) throw new RangeError(`no ${loop}/${id} #${nth}`);
  const index = target.ordinal - 1;
  const elements = (lines[index] ?? '').split('*');
  while (elements.length <= n) elements.push('');
  elements[n] = value;
  lines[index] = elements.join('*');
  return lines.join('~\n');
}

/** The output with a segment written after the `nth` segment `id` of `loop`. */
function withSegmentAfter(text: string, loop: string, id: string, segment: string, nth = 0): string {
  const lines = text.split('~\n');
  const target = segmentsOf(text).filter((s) => s.loop === loop && s.id === id)[nth];
  if (target === undefined) throw new RangeError(`no ${loop}/${id} #${nth}`);
  lines.splice(target.ordinal, 0, segment);
  return lines.join('~\n');
}

describe('the X12 release gate takes a kept value for what the contract keeps', () => {
  it('reads the coincidences file with no issue', () => {
    expect(read(coincidences837P()).issues).toEqual([]);
  });

  it.each([
    ['safe-harbor', SAFE_HARBOR],
    ['limited-data-set', LIMITED],
    ['billing', BILLING],
  ] as const)('releases the %s copy of a file whose kept values spell other identifiers', (_, contract) => {
    const copy = copyOf(contract);
    expect(read(copy.output).issues).toEqual([]);
    expect(verdictOf(copy)).toEqual({ ok: true });
  });

  it('keeps, under a limited data set, a town named like another patient in three places', () => {
    const { output } = copyOf(LIMITED);
    const cities = segmentsOf(output)
      .filter((s) => s.id === 'N4' && ['2010BA', '2310E', '2330A'].includes(s.loop))
      .map((s) => `${s.loop} ${s.elements[1]}`);
    expect(cities).toEqual(
      expect.arrayContaining(['2010BA ZQXJACKSON', '2310E ZQXJACKSON', '2330A ZQXJACKSON']),
    );
  });

  it('keeps amounts equal to a member id, and billing keeps a date equal to a record number and a ZIP equal to an SSN', () => {
    const sh = copyOf(SAFE_HARBOR).output;
    expect(sh).toContain('CLM*');
    expect(sh.match(/12345\.67/g)?.length).toBe(3);
    const billing = copyOf(BILLING).output;
    expect(billing).toContain('DTP*472*D8*20240102');
    expect(billing).toMatch(/N4\*ZQXBROOKVILLE\*MN\*777441234/);
    expect(billing).toMatch(/DMG\*D8\*19800507/);
  });

  it('takes a keyed pseudonym whose hex digits spell an input identifier for a pseudonym', () => {
    // A member id whose pseudonym (32 hex) holds a run of 7+ digits; that run is made another patient's id.
    const pseudonyms = new Pseudonyms(SECRET, KEY_ID, LIMITED.name);
    let memberId = '';
    let run = '';
    for (let i = 0; i < 5000 && run === ''; i++) {
      memberId = `MBR${String(i).padStart(6, '0')}`;
      const hex = pseudonyms.identifierValue(x12IdentifierSystem('MI'), memberId);
      run = /(?<![0-9])[0-9]{7,}(?![0-9])/.exec(hex)?.[0] ?? '';
    }
    expect(run).not.toBe('');
    const input = coincidences837P()
      .replace('MBR1234567', memberId)
      .replace('REF*EA*20240102', `REF*EA*${run}`);
    const copy = copyOf(LIMITED, input);
    expect(copy.output).toContain(pseudonyms.identifierValue(x12IdentifierSystem('MI'), memberId));
    expect(verdictOf(copy)).toEqual({ ok: true });
    // The same digits written as themselves are still the identifier.
    const leaked = withElement(copy.output, '2300', 'REF', 2, run);
    expect(verdictOf(copy, leaked)).toMatchObject({ ok: false, hits: [{ kind: 'identifier' }] });
  });
});

/** One leak: the copy's element set to a value of the input (or a segment added), and what the gate says. */
interface Leak {
  readonly what: string;
  readonly contract: ConsumerContract;
  readonly leak: (output: string) => string;
  readonly kind: string;
  readonly path: RegExp;
}

const LEAKS: readonly Leak[] = [
  // Names, in a name place, in a kept city place (not a town of the input), in free text and in an amount.
  {
    what: 'a name in 2010BA NM103',
    contract: SAFE_HARBOR,
    leak: (o) => withElement(o, '2010BA', 'NM1', 3, 'ZQXJACKSON'),
    kind: 'name',
    path: /^2010BA\/NM1\[\d+\]\/NM103$/,
  },
  {
    what: 'a name in a kept city (limited data set)',
    contract: LIMITED,
    leak: (o) => withElement(o, '2010BA', 'N4', 1, 'ZQXANNA'),
    kind: 'name',
    path: /^2010BA\/N4\[\d+\]\/N401$/,
  },
  {
    what: 'a name in an ambulance pick-up city (limited data set)',
    contract: LIMITED,
    leak: (o) => withElement(o, '2310E', 'N4', 1, 'ZQXRIVERS'),
    kind: 'name',
    path: /^2310E\/N4\[\d+\]\/N401$/,
  },
  {
    what: 'a name in an amount element',
    contract: SAFE_HARBOR,
    leak: (o) => withElement(o, '2320', 'AMT', 2, 'ZQXPARTNER'),
    kind: 'name',
    path: /^2320\/AMT\[\d+\]\/AMT02$/,
  },
  {
    what: 'a name in a service line description',
    contract: LIMITED,
    leak: (o) => withElement(o, '2400', 'SV1', 1, 'HC:99213:::::ZQXBEN VISIT'),
    kind: 'name',
    path: /^2400\/SV1\[\d+\]\/SV101$/,
  },
  // A town that spells its own patient's name goes under a limited data set; put back, it is caught.
  ...(
    [
      ['2010BA', 2],
      ['2310E', 1],
      ['2330A', 2],
    ] as const
  ).map(
    ([loop, nth]): Leak => ({
      what: `a town named after its own patient (${loop}), put back`,
      contract: LIMITED,
      leak: (o) => withElement(o, loop, 'N4', 1, 'ZQXSELBY', nth),
      kind: 'name',
      path: new RegExp(`^${loop}/N4\\[\\d+\\]/N401$`),
    }),
  ),
  // Identifiers: in identifier places, in a kept date place, in a kept ZIP place, in a kept city place.
  {
    what: 'a member id in 2010BA NM109',
    contract: LIMITED,
    leak: (o) => withElement(o, '2010BA', 'NM1', 9, 'MBR1234567'),
    kind: 'identifier',
    path: /^2010BA\/NM1\[\d+\]\/NM109$/,
  },
  {
    what: 'a patient control number in CLM01',
    contract: BILLING,
    leak: (o) => withElement(o, '2300', 'CLM', 1, 'PCNA0001'),
    kind: 'identifier',
    path: /^2300\/CLM\[\d+\]\/CLM01$/,
  },
  {
    what: 'a payer claim number in REF02',
    contract: LIMITED,
    leak: (o) => withElement(o, '2300', 'REF', 2, '19800507'),
    kind: 'identifier',
    path: /^2300\/REF\[\d+\]\/REF02$/,
  },
  {
    what: 'a member id in a date place where dates are kept',
    contract: BILLING,
    leak: (o) => withElement(o, '2400', 'DTP', 3, 'MBR1234567'),
    kind: 'identifier',
    path: /^2400\/DTP\[\d+\]\/DTP03$/,
  },
  {
    what: 'an SSN in a kept ZIP place that is not one of the input ZIPs',
    contract: BILLING,
    leak: (o) => withElement(o, '2010BA', 'N4', 3, '5550001'),
    kind: 'identifier',
    path: /^2010BA\/N4\[\d+\]\/N403$/,
  },
  {
    what: 'a member id in a kept city place',
    contract: LIMITED,
    leak: (o) => withElement(o, '2330A', 'N4', 1, 'OTHERMBR992'),
    kind: 'identifier',
    path: /^2330A\/N4\[\d+\]\/N401$/,
  },
  {
    what: 'a member id in an amount element',
    contract: SAFE_HARBOR,
    leak: (o) => withElement(o, '2300', 'CLM', 2, 'MBR5550001'),
    kind: 'identifier',
    path: /^2300\/CLM\[\d+\]\/CLM02$/,
  },
  // Dates under Safe Harbor: a DTP, a birth date, free text.
  {
    what: 'a service date in DTP03',
    contract: SAFE_HARBOR,
    leak: (o) => withElement(o, '2400', 'DTP', 3, '20231115'),
    kind: 'date-precision',
    path: /^2400\/DTP\[\d+\]\/DTP03$/,
  },
  {
    what: 'a birth date in DMG02',
    contract: SAFE_HARBOR,
    leak: (o) => withElement(o, '2010BA', 'DMG', 2, '19720314'),
    kind: 'date-precision',
    path: /^2010BA\/DMG\[\d+\]\/DMG02$/,
  },
  {
    what: 'an onset date in DTP03',
    contract: SAFE_HARBOR,
    leak: (o) => withElement(o, '2300', 'DTP', 3, '20231115'),
    kind: 'date-precision',
    path: /^2300\/DTP\[\d+\]\/DTP03$/,
  },
  {
    what: 'a date in a service line description',
    contract: SAFE_HARBOR,
    leak: (o) => withElement(o, '2400', 'SV1', 1, 'HC:99213:::::SEEN 2023-11-15'),
    kind: 'date',
    path: /^2400\/SV1\[\d+\]\/SV101$/,
  },
  {
    what: 'a date in a patient control number',
    contract: SAFE_HARBOR,
    leak: (o) => withElement(o, '2300', 'CLM', 1, 'X20231115'.slice(1)),
    kind: 'date',
    path: /^2300\/CLM\[\d+\]\/CLM01$/,
  },
  {
    what: 'a date in a claim note',
    contract: SAFE_HARBOR,
    leak: (o) => withSegmentAfter(o, '2300', 'CLM', 'NTE*ADD*SEEN 11/15/2023'),
    kind: 'date',
    path: /^2300\/NTE\[\d+\]\/NTE02$/,
  },
  // ZIPs and cities under Safe Harbor, in three person places each.
  ...(['2010BA', '2310E', '2330A'] as const).flatMap((loop): Leak[] => [
    {
      what: `a five-digit ZIP in ${loop} N403`,
      contract: SAFE_HARBOR,
      leak: (o) => withElement(o, loop, 'N4', 3, '60101'),
      kind: 'zip-precision',
      path: new RegExp(`^${loop}/N4\\[\\d+\\]/N403$`),
    },
    {
      what: `a city in ${loop} N401`,
      contract: SAFE_HARBOR,
      leak: (o) => withElement(o, loop, 'N4', 1, 'ZQXBROOKVILLE'),
      kind: 'city',
      path: new RegExp(`^${loop}/N4\\[\\d+\\]/N401$`),
    },
    {
      what: `a street in ${loop} N301`,
      contract: LIMITED,
      leak: (o) => withElement(o, loop, 'N3', 1, '9 ZQXOAK COURT'),
      kind: 'address',
      path: new RegExp(`^${loop}/N3\\[\\d+\\]/N301$`),
    },
  ]),
  // Telecom and employer.
  {
    what: "the subscriber's phone in a contact",
    contract: LIMITED,
    leak: (o) => withSegmentAfter(o, '2010BA', 'N4', 'PER*IC**TE*6125550199'),
    kind: 'telecom',
    path: /^2010BA\/PER\[\d+\]\/PER04$/,
  },
  {
    what: "the subscriber's phone in a note",
    contract: SAFE_HARBOR,
    leak: (o) => withSegmentAfter(o, '2300', 'CLM', 'NTE*ADD*CALL (612) 555-0199', 1),
    kind: 'telecom',
    path: /^2300\/NTE\[\d+\]\/NTE02$/,
  },
  {
    what: "the subscriber's phone in an amount element",
    contract: SAFE_HARBOR,
    leak: (o) => withElement(o, '2320', 'AMT', 2, '612-555-0199'),
    kind: 'telecom',
    path: /^2320\/AMT\[\d+\]\/AMT02$/,
  },
  {
    what: 'an employer in SBR04',
    contract: SAFE_HARBOR,
    leak: (o) => withElement(o, '2000B', 'SBR', 4, 'ZQXWIDGET FACTORY'),
    kind: 'employer',
    path: /^2000B\/SBR\[\d+\]\/SBR04$/,
  },
  {
    what: "another payer's subscriber's employer in 2320 SBR04",
    contract: LIMITED,
    leak: (o) => withElement(o, '2320', 'SBR', 4, 'ZQXOTHER EMPLOYER', 2),
    kind: 'employer',
    path: /^2320\/SBR\[\d+\]\/SBR04$/,
  },
  {
    what: 'an employer in a claim note',
    contract: SAFE_HARBOR,
    leak: (o) => withSegmentAfter(o, '2300', 'CLM', 'NTE*ADD*WORKS AT ZQXWIDGET FACTORY'),
    kind: 'employer',
    path: /^2300\/NTE\[\d+\]\/NTE02$/,
  },
];

describe('the X12 release gate still refuses what the contract removes', () => {
  it.each(LEAKS.map((l) => [l.what, l] as const))('%s', (_, { contract, leak, kind, path }) => {
    const copy = copyOf(contract);
    expect(verdictOf(copy)).toEqual({ ok: true });
    const verdict = verdictOf(copy, leak(copy.output));
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.hits).toContainEqual({ kind, path: expect.stringMatching(path) });
  });

  it('covers every kind in at least three places', () => {
    const places = new Map<string, Set<string>>();
    for (const l of LEAKS) places.set(l.kind, (places.get(l.kind) ?? new Set()).add(l.path.source));
    for (const [kind, set] of places) expect(set.size, kind).toBeGreaterThanOrEqual(3);
  });
});

/**
 * The same file mapped to FHIR, as `analytics` (Safe Harbor) and `research` (a limited data set) take
 * claims, through the FHIR release gate: kept towns, ZIPs and dates and the pseudonyms' hex digits are
 * what they are; a value of the input put back anywhere is still refused.
 */
describe('the FHIR release gate on a claim file mapped to FHIR', () => {
  const contractFile = (name: string, change: (json: Record<string, unknown>) => void = () => {}) => {
    const json = JSON.parse(readFileSync(`contracts/${name}.json`, 'utf8')) as Record<string, unknown>;
    change(json);
    return parseContract(json, `${name}.json`);
  };
  const ANALYTICS = contractFile('analytics');
  const RESEARCH = contractFile('research');
  /** Research with dates and five-digit ZIPs kept: the kept date and ZIP spell identifiers. */
  const RESEARCH_KEEP = contractFile('research', (json) => {
    json.dates = { method: 'keep' };
    json.zip = { method: 'keep', restrictedPrefixes: 'census-2020' };
    json.rules = [];
  });

  function fhirCopy(contract: ConsumerContract, x12 = coincidences837P()) {
    const bundle = JSON.parse(
      dec(claimsAsBundle(enc(x12), { submissionId: 'sub-1', receivedAt: '2026-12-04T00:00:00Z' })),
    ) as unknown;
    const engine = createDeidEngine({ contract, secret: SECRET, keyId: KEY_ID, referenceDate: '2026-12-04' });
    const gate = createReleaseGate(engine.contract);
    const values = gate.collect(bundle);
    const output = engine.deidentifyBundle(bundle).output;
    return {
      output,
      verdict: (copy: unknown = output) => gate.verdict(values, [['Bundle', copy]]),
    };
  }
  const patients = (bundle: Record<string, unknown>) =>
    ((bundle.entry ?? []) as { resource: Record<string, unknown> }[])
      .map((e) => e.resource)
      .filter((r) => r.resourceType === 'Patient');

  it.each([
    ['analytics', ANALYTICS],
    ['research', RESEARCH],
    ['research, dates and ZIPs kept', RESEARCH_KEEP],
  ] as const)('releases the %s copy', (_, contract) => {
    expect(fhirCopy(contract).verdict()).toEqual({ ok: true });
  });

  it('keeps a town named like another patient, and refuses a name or an identifier written there', () => {
    const { output, verdict } = fhirCopy(RESEARCH);
    const cities = patients(output).flatMap((p) => (p.address as { city?: string }[]).map((a) => a.city));
    expect(cities).toContain('ZQXJACKSON');
    for (const [value, kind] of [
      ['ZQXANNA', 'name'],
      ['OTHERMBR992', 'identifier'],
      ['ZQXBROOKVILLE ZQXRIVERS', 'name'],
    ] as const) {
      const leaked = structuredClone(output);
      const [address] = (patients(leaked)[0]?.address ?? []) as { city?: string }[];
      if (address !== undefined) address.city = value;
      expect(verdict(leaked)).toMatchObject({ ok: false, hits: [{ kind }] });
    }
  });

  it('keeps a date and a ZIP whose digits are identifiers, and refuses an identifier written there', () => {
    const { output, verdict } = fhirCopy(RESEARCH_KEEP);
    const text = JSON.stringify(output);
    expect(text).toContain('"2024-01-02"');
    expect(text).toContain('"77744-1234"');
    const leaked = JSON.parse(
      text.replace('"77744-1234"', '"5550001"').replace('"2024-01-02"', '"MBR1234567"'),
    ) as unknown;
    const result = verdict(leaked);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      const kinds = result.hits.map((h) => `${h.kind} ${h.path.split('.').at(-1) ?? ''}`);
      expect(kinds).toEqual(expect.arrayContaining(['identifier postalCode']));
      expect(result.hits.some((h) => h.kind === 'identifier' && !h.path.endsWith('postalCode'))).toBe(true);
    }
  });

  it("takes a pseudonym's hex digits for a pseudonym, and the digits alone for the identifier", () => {
    const pseudonyms = new Pseudonyms(SECRET, KEY_ID, RESEARCH.name);
    let memberId = '';
    let run = '';
    for (let i = 0; i < 5000 && run === ''; i++) {
      memberId = `MBR${String(i).padStart(6, '0')}`;
      const hex = pseudonyms.identifierValue(x12IdentifierSystem('MI'), memberId);
      run = /(?<![0-9])[0-9]{7,}(?![0-9])/.exec(hex)?.[0] ?? '';
    }
    const x12 = coincidences837P()
      .replace('MBR1234567', memberId)
      .replace('REF*EA*20240102', `REF*EA*${run}`);
    const { output, verdict } = fhirCopy(RESEARCH, x12);
    const text = JSON.stringify(output);
    expect(text).toContain(pseudonyms.identifierValue(x12IdentifierSystem('MI'), memberId));
    expect(verdict()).toEqual({ ok: true });
    const leaked = JSON.parse(text.replace('"ZQXJACKSON"', `"ROUTE ${run}"`)) as unknown;
    expect(verdict(leaked)).toMatchObject({ ok: false, hits: [{ kind: 'identifier' }] });
  });

  it('judges a ZIP3 by its precision: the ZIP3 of 60100 is 60100, the input ZIP it comes from', () => {
    const x12 = coincidences837P().replace(
      'N4*ZQXJACKSON*MN*601011234~\nDMG',
      'N4*ZQXJACKSON*MN*60100~\nDMG',
    );
    expect(x12).toContain('*60100~');
    const { output, verdict } = fhirCopy(ANALYTICS, x12);
    expect(JSON.stringify(output)).toContain('"60100"');
    expect(verdict()).toEqual({ ok: true });
  });
});
