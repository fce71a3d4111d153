import { describe, expect, it } from 'vitest';
import { gatePolicy } from '../../../shared/core/deid/gate/collect.js';
import {
  assertReleasable,
  createReleaseGate,
  type GateResult,
  lineOutputs,
  MAX_HITS,
} from '../../../shared/core/deid/gate/gate.js';
import { PipelineError } from '../../../shared/core/errors.js';
import { contractNamed } from './support/deid-fixtures.js';

/**
 * The release gate: what it collects from an input under each profile, what it finds in an output
 * (case, renderings, digits), the Safe Harbor promise checks, and that a result never holds a value.
 */
const safeHarbor = createReleaseGate(contractNamed('safe-harbor'));
const lds = createReleaseGate(contractNamed('limited-data-set'));

const PATIENT = {
  resourceType: 'Patient',
  id: 'p1',
  name: [{ family: "O'Hara", given: ['Jonathan', 'Al'], prefix: ['Mr.'], text: 'Jonathan Quincy Doe' }],
  telecom: [
    { system: 'phone', value: '(617) 555-0199' },
    { system: 'email', value: 'jdoe@example.com' },
  ],
  address: [{ line: ['42 Elm Street'], city: 'Springfield', postalCode: '03601-1234', state: 'MA' }],
  identifier: [
    { system: 'http://hl7.org/fhir/sid/us-ssn', value: '123-45-6789' },
    { system: 'urn:mrn', value: 'MRN-88812' },
  ],
  birthDate: '1931-03-15',
  extension: [
    {
      url: 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName',
      valueString: 'Whitfield',
    },
  ],
};
const INPUT = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: PATIENT }] };

/** An output whose only content is one note: where the gate has to find (or not find) a value. */
const note = (text: string) => ({
  resourceType: 'Observation',
  status: 'final',
  note: [{ text }],
});

const check = (gate: ReturnType<typeof createReleaseGate>, output: unknown): GateResult =>
  gate.check(INPUT, [['Observation[3]', output]]);

const kinds = (result: GateResult): string[] => (result.ok ? [] : result.hits.map((h) => h.kind));

const ALL_VALUES = [
  "O'Hara",
  'Jonathan',
  'Quincy',
  '617',
  '555-0199',
  'jdoe',
  '42 Elm',
  'Springfield',
  '03601',
  '123-45-6789',
  'MRN-88812',
  '1931',
  'Whitfield',
];

describe('gate policy, read from the resolved contract', () => {
  it('Safe Harbor removes dates, cities, ZIP5 and ages over 89', () => {
    expect(gatePolicy(contractNamed('safe-harbor'))).toEqual({
      profile: 'safe-harbor',
      dates: true,
      cities: true,
      zip: 'zip3',
      ages90: true,
    });
  });
  it('a limited data set keeps what it may: shifted dates, towns, ZIP5, ages', () => {
    expect(gatePolicy(contractNamed('limited-data-set'))).toEqual({
      profile: 'limited-data-set',
      dates: false,
      cities: false,
      zip: 'keep',
      ages90: false,
    });
    expect(gatePolicy(contractNamed('research'))).toMatchObject({ dates: false, zip: 'zip3', cities: false });
    expect(gatePolicy(contractNamed('billing'))).toMatchObject({ dates: false, zip: 'keep', ages90: true });
  });
});

describe('collector', () => {
  it('collects names, address parts, telecom, identifiers, dates by FHIR datatype', () => {
    const values = safeHarbor.collect(INPUT);
    expect(Object.fromEntries(values.terms)).toMatchObject({
      "o'hara": 'name',
      jonathan: 'name',
      quincy: 'name',
      'jonathan quincy doe': 'name',
      whitfield: 'name',
      '42 elm street': 'address',
      springfield: 'city',
      '03601': 'postal-code',
      '03601-1234': 'postal-code',
      '123-45-6789': 'identifier',
      'mrn-88812': 'identifier',
      'jdoe example.com': 'telecom',
    });
    expect(values.digits.get('6175550199')).toBe('telecom');
    expect(values.digits.get('123456789')).toBe('identifier');
    expect([...values.dates]).toEqual(['1931-03-15']);
  });
  it('skips short and generic parts: under 3 characters, honorifics', () => {
    const values = safeHarbor.collect(INPUT);
    expect(values.terms.has('al')).toBe(false);
    expect(values.terms.has('mr')).toBe(false);
    expect(values.terms.has('doe')).toBe(true);
  });
  it('under a limited data set, leaves out what the contract may keep', () => {
    const values = lds.collect(INPUT);
    expect(values.terms.has('springfield')).toBe(false);
    expect(values.terms.has('03601')).toBe(false);
    expect(values.dates.size).toBe(0);
    expect(values.terms.get('42 elm street')).toBe('address');
    expect(values.terms.get('jonathan')).toBe('name');
  });
  it('finds datatypes wherever they are: contained resources and extension values', () => {
    const values = safeHarbor.collect({
      resourceType: 'Observation',
      contained: [{ resourceType: 'Practitioner', name: [{ family: 'Kowalczyk' }] }],
      extension: [{ url: 'http://x', valueAddress: { line: ['9 Birch Lane'] } }],
    });
    expect(values.terms.get('kowalczyk')).toBe('name');
    expect(values.terms.get('9 birch lane')).toBe('address');
  });
});

describe('scanner', () => {
  it.each([
    ['Seen with JONATHAN today', 'name'],
    ["o'hara's chart", 'name'],
    ['lives at 42 ELM street', 'address'],
    ['moved from springfield', 'city'],
    ['call (617) 555-0199', 'telecom'],
    ['call +1 617.555.0199', 'telecom'],
    ['call 6175550199', 'telecom'],
    ['mail JDOE@example.com', 'telecom'],
    ['ssn 123-45-6789', 'identifier'],
    ['ssn 123 45 6789', 'identifier'],
    ['mrn mrn-88812', 'identifier'],
    ['zip 03601', 'postal-code'],
    ['zip 03601-1234', 'postal-code'],
    ['zip 036011234', 'postal-code'],
    ['maiden name Whitfield', 'name'],
  ])('finds %j as %s, in any case', (text, kind) => {
    const result = check(safeHarbor, note(text));
    expect(result).toEqual({ ok: false, hits: [{ path: 'Observation[3].note[0].text', kind }] });
  });

  it.each([
    '1931-03-15',
    'born 1931-03-15T04:35:00Z',
    '03/15/1931',
    '3/15/1931',
    '15/03/1931',
    '15.03.1931',
    '03-15-1931',
    '1931/03/15',
    '19310315',
    '03/15/31',
    'Mar 15, 1931',
    'March 15th 1931',
    '15 March 1931',
    '15th of Mar. 1931',
    '15-MAR-1931',
  ])('finds the birth date written %j', (text) => {
    const result = check(safeHarbor, note(`born ${text}`));
    expect(kinds(result)).toContain('date');
  });

  it('does not flag other dates, short name parts, pseudonyms or years', () => {
    for (const text of [
      'born 1932-03-15',
      'Al Green',
      'Mr. Smith',
      'id 5f0c1f1e9a8b7c6d5e4f3a2b1c0d9e8f',
      '1931',
      'Springfieldia',
      '0360',
    ]) {
      expect(check(safeHarbor, note(text)), text).toEqual({ ok: true });
    }
  });

  it('does not read a date, a phone or a ZIP into the hex groups of a UUID, wherever the UUID sits', () => {
    for (const text of [
      '19310315-5f0c-4e1e-9a8b-7c6d5e4f3a2b',
      'urn:uuid:5f0c1f1e-9a8b-4c6d-8e4f-031519310000',
      'Patient/5f0c1f1e-1931-0315-8e4f-3a2b1c0d9e8f',
      'seen, ref 0c1f1e9a-8b7c-4d5e-8f3a-036011234000',
      'see 6175550199-ab12-4c6d-8e4f-3a2b1c0d9e8f'.replace('6175550199', '61755501'),
    ]) {
      expect(check(safeHarbor, note(text)), text).toEqual({ ok: true });
    }
    // Outside a UUID, the same digits are still found.
    expect(
      kinds(check(safeHarbor, note('born 19310315, ref 5f0c1f1e-9a8b-4c6d-8e4f-3a2b1c0d9e8f'))),
    ).toContain('date');
    expect(kinds(check(safeHarbor, note('zip 03601 (ref 5f0c1f1e-9a8b-4c6d-8e4f-3a2b1c0d9e8f)')))).toContain(
      'postal-code',
    );
  });

  it('does not take a numeric code for a ZIP or an identifier equal to it (CPT 99213, ZIP 99213)', () => {
    const input = {
      resourceType: 'Patient',
      address: [{ postalCode: '99213' }],
      identifier: [{ system: 'urn:mrn', value: '12345' }],
    };
    const claim = {
      resourceType: 'Claim',
      item: [{ productOrService: { coding: [{ code: '99213' }, { code: '12345' }] } }],
    };
    expect(safeHarbor.check(input, [['Claim[0]', claim]])).toEqual({ ok: true });
    expect(kinds(safeHarbor.check(input, [['Claim[0]', note('zip 99213')]]))).toEqual(['postal-code']);
  });

  it('finds the name of an organisation tied to the patient (employer, contact, policy holder), not a provider or payor', () => {
    const input = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          resource: {
            ...PATIENT,
            contact: [
              {
                relationship: [{ coding: [{ code: 'E' }] }],
                organization: { reference: 'urn:uuid:6b0c8f0e-1b7d-4c51-9a44-0e4b1f7a2c10' },
              },
              {
                relationship: [{ coding: [{ code: 'I' }] }],
                organization: { reference: 'Organization/ins' },
              },
            ],
            managingOrganization: { reference: 'Organization/hosp' },
          },
        },
        {
          fullUrl: 'urn:uuid:6b0c8f0e-1b7d-4c51-9a44-0e4b1f7a2c10',
          resource: { resourceType: 'Organization', name: 'Quillfeather Robotics' },
        },
        { resource: { resourceType: 'Organization', id: 'ins', name: 'Blue Cross' } },
        { resource: { resourceType: 'Organization', id: 'hosp', name: 'General Hospital' } },
        { resource: { resourceType: 'Organization', id: 'grp', name: 'Halvorsen Tannery' } },
        { resource: { resourceType: 'Coverage', policyHolder: { reference: 'Organization/grp' } } },
      ],
    };
    const gate = (text: string) => kinds(safeHarbor.check(input, [['Observation[0]', note(text)]]));
    expect(gate('injury at QUILLFEATHER ROBOTICS plant')).toEqual(['employer']);
    expect(gate('group plan of Halvorsen Tannery')).toEqual(['employer']);
    expect(gate('Blue Cross plan; seen at General Hospital; robotics')).toEqual([]);
  });

  it('under a limited data set, a kept city, ZIP and date pass; a name does not', () => {
    expect(check(lds, note('Springfield 03601, seen 1931-03-15'))).toEqual({ ok: true });
    expect(kinds(check(lds, note('Jonathan')))).toEqual(['name']);
  });
});

describe('the Safe Harbor promise', () => {
  const observation = (extra: Record<string, unknown>) => ({
    resourceType: 'Observation',
    status: 'final',
    ...extra,
  });

  it('no date finer than the year', () => {
    expect(check(safeHarbor, observation({ effectiveDateTime: '2022' }))).toEqual({ ok: true });
    expect(check(safeHarbor, observation({ issued: '2022-01-01T00:00:00Z' }))).toEqual({ ok: true });
    for (const value of ['2022-10', '2022-10-24', '2022-10-24T10:00:00Z', '2022-10-24T10:00:00.123+02:00']) {
      expect(check(safeHarbor, observation({ effectiveDateTime: value })), value).toEqual({
        ok: false,
        hits: [{ path: 'Observation[3].effectiveDateTime', kind: 'date-precision' }],
      });
    }
    expect(check(lds, observation({ effectiveDateTime: '2022-10-24' }))).toEqual({ ok: true });
  });

  it('no ZIP beyond ZIP3', () => {
    const patient = (postalCode: string) => ({ resourceType: 'Patient', address: [{ postalCode }] });
    expect(check(safeHarbor, patient('03600'))).toEqual({ ok: true });
    expect(check(safeHarbor, patient('00000'))).toEqual({ ok: true });
    for (const zip of ['02139', '02139-0000', 'SW1A 1AA']) {
      expect(check(safeHarbor, patient(zip)), zip).toEqual({
        ok: false,
        hits: [{ path: 'Observation[3].address[0].postalCode', kind: 'zip-precision' }],
      });
    }
    expect(check(lds, patient('02139'))).toEqual({ ok: true });
  });

  it('no age over 89 but the category "90 or more"', () => {
    const UCUM = 'http://unitsofmeasure.org';
    const age = (value: Record<string, unknown>) =>
      observation({ valueQuantity: { system: UCUM, ...value } });
    expect(check(safeHarbor, age({ value: 90, comparator: '>=', code: 'a' }))).toEqual({ ok: true });
    expect(check(safeHarbor, age({ value: 89, code: 'a' }))).toEqual({ ok: true });
    expect(check(safeHarbor, age({ value: 1100, code: 'mo' }))).toEqual({
      ok: false,
      hits: [{ path: 'Observation[3].valueQuantity.value', kind: 'age' }],
    });
    expect(kinds(check(safeHarbor, age({ value: 93, code: 'a' })))).toEqual(['age']);
    expect(check(lds, age({ value: 93, code: 'a' }))).toEqual({ ok: true });
  });
});

describe('results', () => {
  it('name paths and kinds, never a value', () => {
    const leaky = {
      resourceType: 'Patient',
      name: [{ family: "O'Hara", given: ['Jonathan', 'Quincy'] }],
      telecom: [{ value: '617-555-0199' }],
      address: [{ line: ['42 Elm Street'], city: 'Springfield', postalCode: '03601' }],
      identifier: [{ value: '123-45-6789' }, { value: 'MRN-88812' }],
      birthDate: '1931-03-15',
      note: [{ text: 'Whitfield' }],
    };
    const result = check(safeHarbor, leaky);
    expect(result.ok).toBe(false);
    expect(new Set(kinds(result))).toEqual(
      new Set([
        'name',
        'telecom',
        'address',
        'city',
        'postal-code',
        'zip-precision',
        'identifier',
        'date',
        'date-precision',
      ]),
    );
    const text = JSON.stringify(result).toLowerCase();
    for (const value of ALL_VALUES) expect(text).not.toContain(value.toLowerCase());
    for (const hit of result.ok ? [] : result.hits) {
      expect(Object.keys(hit).sort()).toEqual(['kind', 'path']);
      expect(hit.path).toMatch(/^Observation\[3\](\.[A-Za-z]+(\[\d+\])?)+$/);
    }
  });

  it('stops listing at MAX_HITS', () => {
    const many = {
      resourceType: 'Observation',
      note: Array.from({ length: 200 }, () => ({ text: 'Jonathan' })),
    };
    const result = check(safeHarbor, many);
    expect(result.ok ? 0 : result.hits.length).toBe(MAX_HITS);
  });

  it('checks several outputs of one input (NDJSON lines), each under its own root', () => {
    const result = safeHarbor.check(INPUT, [
      ['Patient[0]', { resourceType: 'Patient', gender: 'male' }],
      ['Observation[1]', note('Jonathan')],
    ]);
    expect(result).toEqual({ ok: false, hits: [{ path: 'Observation[1].note[0].text', kind: 'name' }] });
  });
});

describe('assertReleasable', () => {
  it('passes a clean copy and throws residual-phi, not retryable, naming path and kind only', () => {
    expect(() =>
      assertReleasable(safeHarbor, safeHarbor.collect(INPUT), lineOutputs([note('fine')]), 'copy'),
    ).not.toThrow();
    let error: unknown;
    try {
      assertReleasable(
        safeHarbor,
        safeHarbor.collect(INPUT),
        lineOutputs([note('ok'), note('Jonathan Whitfield')]),
        'copy',
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PipelineError);
    const e = error as PipelineError;
    expect(e.code).toBe('residual-phi');
    expect(e.retryable).toBe(false);
    expect(e.details).toMatchObject({ path: 'Observation[1].note[0].text', kind: 'name', hits: 1 });
    expect(e.message).toBe('copy failed the release gate: name at Observation[1].note[0].text');
    expect(`${e.message} ${JSON.stringify(e.details)}`).not.toMatch(/jonathan|whitfield/i);
  });
});
