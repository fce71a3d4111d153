import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { isPipelineError } from '../../shared/core/errors.js';
import {
  MAX_BUNDLE_ENTRIES,
  MAX_REPEATED_STRING_LENGTH,
  validateBundle,
  warmFhirValidator,
} from '../../shared/core/fhir/validate-bundle.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(path.join(repoRoot, 'samples/fhir', name), 'utf8'));

const CANARY = 'CANARY-PHI-7f3a';
const UUID_A = 'urn:uuid:6f1c2a3b-1111-4222-8333-944455556666';
const UUID_B = 'urn:uuid:0b7d1e52-2222-4333-8444-a55566667777';

type Json = Record<string, unknown>;
const patient = (extra: Json = {}): Json => ({ resourceType: 'Patient', birthDate: '1990-01-01', ...extra });
const collection = (...resources: Json[]): Json => ({
  resourceType: 'Bundle',
  type: 'collection',
  entry: resources.map((resource) => ({ resource })),
});
const transaction = (...entries: Json[]): Json => ({
  resourceType: 'Bundle',
  type: 'transaction',
  entry: entries,
});
const post = (fullUrl: string, resource: Json): Json => ({
  fullUrl,
  resource,
  request: { method: 'POST', url: String(resource.resourceType) },
});

/** Code and location of the rejection; fails the test when the Bundle is accepted. */
function refusal(value: unknown): { code: string; expression: unknown } {
  try {
    validateBundle(value);
  } catch (error) {
    if (!isPipelineError(error)) throw error;
    expect(`${error.message} ${JSON.stringify(error.details)}`).not.toContain('CANARY');
    return { code: error.code, expression: error.details?.expression };
  }
  throw new Error('the Bundle was accepted');
}
const fhirError = (expression: string) => ({ code: 'invalid-fhir', expression });

describe('Function: validateBundle', () => {
  beforeAll(() => {
    warmFhirValidator();
    warmFhirValidator(); // indexing is memoized: a second call is free and harmless
  });

  describe('accepts submitted Bundles', () => {
    it('summarises a transaction with conditional, DELETE and GET entries', () => {
      expect(validateBundle(fixture('Bundle-bundle-transaction.json'))).toEqual({
        type: 'transaction',
        entryCount: 10,
        resourceCounts: { Patient: 5, Parameters: 1 },
      });
    });

    it('accepts a message Bundle', () => {
      expect(validateBundle(fixture('Bundle-10bb101f-a121-4264-a920-67be9cb82c74.json'))).toMatchObject({
        type: 'message',
        resourceCounts: { MessageHeader: 1, Patient: 2 },
      });
    });

    it.each(['collection', 'batch', 'transaction'])('accepts an empty %s', (type) => {
      expect(validateBundle({ resourceType: 'Bundle', type })).toEqual({
        type,
        entryCount: 0,
        resourceCounts: {},
      });
    });

    it('accepts resolved urn:uuid references and relative or absolute ones', () => {
      const bundle = transaction(
        post(UUID_A, patient()),
        post(UUID_B, {
          resourceType: 'Observation',
          status: 'final',
          code: { text: 'x' },
          subject: { reference: UUID_A },
          performer: [
            { reference: 'Practitioner/123' },
            { reference: 'https://example.org/fhir/Organization/1' },
          ],
        }),
      );
      expect(validateBundle(bundle).resourceCounts).toEqual({ Patient: 1, Observation: 1 });
    });

    it('accepts a repeated fullUrl for different versions (bdl-7)', () => {
      const bundle = {
        resourceType: 'Bundle',
        type: 'collection',
        entry: ['1', '2'].map((versionId) => ({
          fullUrl: 'http://example.org/fhir/Patient/45',
          resource: patient({ id: '45', meta: { versionId } }),
        })),
      };
      expect(validateBundle(bundle).entryCount).toBe(2);
    });

    it('accepts benign XHTML narrative', () => {
      const div =
        '<div xmlns="http://www.w3.org/1999/xhtml"><p style="color:red">Note <a href="#x">on</a></p></div>';
      expect(validateBundle(collection(patient({ text: { status: 'generated', div } }))).entryCount).toBe(1);
    });

    it('does not modify the submitted value', () => {
      const bundle = fixture('Bundle-bundle-transaction.json');
      const before = structuredClone(bundle);
      validateBundle(bundle);
      expect(bundle).toEqual(before);
    });
  });

  describe('refuses what is not a submitted Bundle', () => {
    // security.md §7 E row 61
    it.each([
      ['a Patient', patient()],
      ['null', null],
      ['an array', [collection()]],
      ['a string', 'Bundle'],
      ['a Bundle without resourceType', { type: 'collection' }],
    ])('refuses %s at the top level', (_, value) => {
      expect(refusal(value)).toEqual(fhirError('Bundle.resourceType'));
    });

    // row 62
    it.each([
      'searchset',
      'history',
      'transaction-response',
      'batch-response',
      'subscription-notification',
      '',
    ])('refuses Bundle.type %j', (type) => {
      expect(refusal({ resourceType: 'Bundle', type })).toEqual(fhirError('Bundle.type'));
    });

    it('refuses a Bundle without type', () => {
      expect(refusal({ resourceType: 'Bundle' })).toEqual(fhirError('Bundle.type'));
    });

    // row 59
    it('refuses more entries than the cap before looking at any of them', () => {
      const entry = Array.from({ length: MAX_BUNDLE_ENTRIES + 1 }, () => ({}));
      expect(refusal({ resourceType: 'Bundle', type: 'collection', entry })).toEqual(
        fhirError('Bundle.entry'),
      );
    });

    // row 60: repeated strings are costly for the structural validator, so they are capped first
    it('refuses a long repeated string before structural validation, naming R4 elements only', () => {
      const long = 'a'.repeat(MAX_REPEATED_STRING_LENGTH + 1);
      expect(refusal(collection(patient(), patient({ name: [{ given: ['Ann', long] }] })))).toEqual(
        fhirError('Bundle.entry[1].resource.name[0].given[1]'),
      );
      // A key that is not an R4 element name is submitted content: the path stops before it.
      expect(refusal(collection(patient({ [CANARY]: [long] })))).toEqual(
        fhirError('Bundle.entry[0].resource'),
      );
      expect(refusal({ ...collection(), meta: { profile: [long] } })).toEqual(fhirError('Bundle'));
      const atCap = 'a'.repeat(MAX_REPEATED_STRING_LENGTH);
      expect(validateBundle(collection(patient({ name: [{ given: [atCap] }] }))).entryCount).toBe(1);
    });

    it('accepts the cap itself', () => {
      const entry = Array.from({ length: MAX_BUNDLE_ENTRIES }, () => ({
        resource: { resourceType: 'Basic', code: { text: 'x' } },
      }));
      expect(validateBundle({ resourceType: 'Bundle', type: 'collection', entry }).entryCount).toBe(
        MAX_BUNDLE_ENTRIES,
      );
    });
  });

  describe('refuses broken entries', () => {
    it('refuses entry that is not an array, or an entry that is not an object', () => {
      expect(refusal({ resourceType: 'Bundle', type: 'collection', entry: {} })).toEqual(
        fhirError('Bundle.entry'),
      );
      expect(refusal({ resourceType: 'Bundle', type: 'collection', entry: [3] })).toEqual(
        fhirError('Bundle.entry[0]'),
      );
    });

    it('refuses an entry without resource or resourceType', () => {
      const noResource = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: UUID_A }] };
      expect(refusal(noResource)).toEqual(fhirError('Bundle.entry[0].resource'));
      expect(refusal(collection(patient(), { id: 'x' }))).toEqual(
        fhirError('Bundle.entry[1].resource.resourceType'),
      );
    });

    it('refuses an unknown resource type', () => {
      expect(refusal(collection({ resourceType: 'Nope' }))).toEqual(
        fhirError('Bundle.entry[0].resource.resourceType'),
      );
      expect(refusal(collection({ resourceType: 'HumanName' }))).toEqual(
        fhirError('Bundle.entry[0].resource.resourceType'),
      );
      expect(refusal(collection({ resourceType: 'constructor' }))).toEqual(
        fhirError('Bundle.entry[0].resource.resourceType'),
      );
    });

    // row 63
    it('refuses a duplicate fullUrl (bdl-7)', () => {
      expect(refusal(transaction(post(UUID_A, patient()), post(UUID_A, patient())))).toEqual(
        fhirError('Bundle.entry[1].fullUrl'),
      );
    });

    it.each([
      ['not a UUID', 'urn:uuid:1234'],
      ['a UUID with a suffix', `${UUID_A}0`],
      ['empty', ''],
    ])('refuses a urn:uuid fullUrl that is %s', (_, fullUrl) => {
      expect(refusal(transaction(post(fullUrl === '' ? '' : fullUrl, patient())))).toEqual(
        fhirError('Bundle.entry[0].fullUrl'),
      );
    });

    it.each([
      ['a space', 'a b'],
      ['65 characters', 'a'.repeat(65)],
      ['an underscore', 'a_b'],
      ['an empty string', ''],
      ['a number', 7],
    ])('refuses a resource id with %s', (_, id) => {
      expect(refusal(collection(patient({ id })))).toEqual(fhirError('Bundle.entry[0].resource.id'));
    });

    it('accepts a 64-character id and refuses a bad Bundle.id', () => {
      expect(validateBundle(collection(patient({ id: `A-.${'9'.repeat(61)}` }))).entryCount).toBe(1);
      expect(refusal({ ...collection(), id: 'not valid' })).toEqual(fhirError('Bundle.id'));
    });

    it('refuses transaction and batch entries without request method or url', () => {
      const entry = (request: unknown) => ({ fullUrl: UUID_A, resource: patient(), request });
      expect(refusal(transaction(entry(undefined)))).toEqual(fhirError('Bundle.entry[0].request'));
      expect(refusal(transaction(entry({ url: 'Patient' })))).toEqual(
        fhirError('Bundle.entry[0].request.method'),
      );
      expect(refusal(transaction(entry({ method: 'post', url: 'Patient' })))).toEqual(
        fhirError('Bundle.entry[0].request.method'),
      );
      expect(refusal(transaction(entry({ method: 'POST' })))).toEqual(
        fhirError('Bundle.entry[0].request.url'),
      );
      expect(refusal({ resourceType: 'Bundle', type: 'batch', entry: [{ resource: patient() }] })).toEqual(
        fhirError('Bundle.entry[0].request'),
      );
    });

    it('allows DELETE and GET entries without a resource, not POST', () => {
      const entries = (method: string) => transaction({ request: { method, url: 'Patient/1' } });
      expect(validateBundle(entries('DELETE')).entryCount).toBe(1);
      expect(validateBundle(entries('GET')).entryCount).toBe(1);
      expect(refusal(entries('POST'))).toEqual(fhirError('Bundle.entry[0].resource'));
    });

    it('accepts a well-formed urn:uuid reference to an entry of another Bundle (split loads)', () => {
      const bundle = transaction(
        post(UUID_A, {
          resourceType: 'Observation',
          status: 'final',
          code: { text: 'x' },
          subject: { reference: UUID_B },
        }),
      );
      expect(validateBundle(bundle).entryCount).toBe(1);
    });

    it('refuses a malformed urn:uuid reference and names where it is', () => {
      const bundle = transaction(
        post(UUID_A, {
          resourceType: 'Observation',
          status: 'final',
          code: { text: 'x' },
          subject: { reference: 'urn:uuid:not-a-uuid' },
        }),
      );
      expect(refusal(bundle)).toEqual(fhirError('Bundle.entry[0].resource.subject.reference'));
    });

    it('finds malformed urn:uuid references deep in a resource', () => {
      const claim = {
        resourceType: 'Claim',
        status: 'active',
        type: { text: 'x' },
        use: 'claim',
        patient: { reference: UUID_A },
        created: '2020-01-01',
        provider: { reference: 'Organization/1' },
        priority: { text: 'normal' },
        insurance: [
          { sequence: 1, focal: true, coverage: { reference: 'Coverage/1' } },
          { sequence: 2, focal: false, coverage: { reference: 'urn:uuid:6f1c2a3b-1111-4222-8333' } },
        ],
      };
      expect(refusal(transaction(post(UUID_A, claim)))).toEqual(
        fhirError('Bundle.entry[0].resource.insurance[1].coverage.reference'),
      );
    });

    it('refuses a document that does not start with a Composition, a message without MessageHeader', () => {
      const document = {
        ...collection(patient()),
        type: 'document',
        identifier: { system: 'urn:x', value: '1' },
      };
      expect(refusal(document)).toEqual(fhirError('Bundle.entry[0].resource.resourceType'));
      expect(refusal({ ...collection(patient()), type: 'message' })).toEqual(
        fhirError('Bundle.entry[0].resource.resourceType'),
      );
    });
  });

  describe('refuses what the R4 StructureDefinitions do not allow', () => {
    // row 71
    it('refuses an unknown element and names its parent, not the key', () => {
      expect(refusal(collection(patient({ foo: 1 })))).toEqual(fhirError('Bundle.entry[0].resource'));
      expect(refusal(collection(patient({ [CANARY]: 1 })))).toEqual(fhirError('Bundle.entry[0].resource'));
      expect(refusal({ ...collection(), JohnSmith: 1 })).toEqual(fhirError('Bundle'));
    });

    it.each([
      ['a bad date', { birthDate: '01/02/1990' }, 'Bundle.entry[0].resource.birthDate'],
      ['a number for a string', { name: [{ given: [5] }] }, 'Bundle.entry[0].resource.name[0].given[0]'],
      ['null for a code', { gender: null }, 'Bundle.entry[0].resource.gender'],
      ['a control character', { name: [{ family: 'a\u0000b' }] }, 'Bundle.entry[0].resource.name[0].family'],
      [
        'an extension without url',
        { extension: [{ valueString: CANARY }] },
        'Bundle.entry[0].resource.extension[0].url',
      ],
    ])('refuses %s', (_, extra, expression) => {
      expect(refusal(collection(patient(extra)))).toEqual(fhirError(expression));
    });

    // row 60
    it('refuses a string over the FHIR size limit of 1 MB', () => {
      expect(refusal(collection(patient({ name: [{ family: 'a'.repeat(1024 * 1024 + 1) }] })))).toEqual(
        fhirError('Bundle.entry[0].resource.name[0].family'),
      );
    });

    it('refuses a missing required element', () => {
      expect(refusal(collection({ resourceType: 'Observation', status: 'final' }))).toEqual(
        fhirError('Bundle.entry[0].resource.code'),
      );
    });

    // row 70: JSON.parse turns 1e400 into Infinity, which is no FHIR decimal
    it('refuses a number that overflowed to Infinity', () => {
      const observation = JSON.parse(
        '{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":1e400}}',
      );
      expect(refusal(collection(observation)).code).toBe('invalid-fhir');
    });

    it('refuses an invariant violation and names the constraint', () => {
      const bundle = {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: patient(), request: { method: 'POST', url: 'Patient' } }],
      };
      try {
        validateBundle(bundle);
        expect.unreachable();
      } catch (error) {
        expect(isPipelineError(error) && error.details).toMatchObject({
          constraint: 'bdl-3',
          expression: 'Bundle',
        });
      }
    });
  });

  // row 67
  describe('refuses active content in narrative (txt-1)', () => {
    const withDiv = (inner: string) =>
      collection(
        patient({
          text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${inner}</div>` },
        }),
      );
    it.each([
      ['a script element', '<script>alert(1)</script>'],
      ['an event handler', '<img src="x.png" onerror="alert(1)"/>'],
      ['an event handler without space', '<img src="x.png"/onload="alert(1)"/>'],
      ['a javascript: URL', '<a href="javascript:alert(1)">x</a>'],
      ['an encoded javascript: URL', '<a href="jav&#x61;script&#58;alert(1)">x</a>'],
      ['an iframe', '<iframe src="https://example.org"></iframe>'],
      ['a form', '<form action="https://example.org"><input name="a"/></form>'],
      ['a style element', '<style>p{}</style>'],
    ])('refuses %s', (_, inner) => {
      expect(refusal(withDiv(inner))).toEqual(fhirError('Bundle.entry[0].resource.text.div'));
    });

    it('looks into contained resources', () => {
      const contained = [
        {
          resourceType: 'Organization',
          id: 'o1',
          text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><script/></div>' },
        },
      ];
      expect(refusal(collection(patient({ contained })))).toEqual(
        fhirError('Bundle.entry[0].resource.contained[0].text.div'),
      );
    });
  });

  it('never puts submitted values in the error', () => {
    const cases: unknown[] = [
      { resourceType: CANARY },
      { resourceType: 'Bundle', type: CANARY },
      { resourceType: 'Bundle', type: 'collection', id: `${CANARY}!` },
      collection(patient({ id: `${CANARY}!` })),
      collection({ resourceType: CANARY }),
      collection(patient({ birthDate: CANARY })),
      collection(patient({ gender: 7, name: [{ family: 3 }], [CANARY]: CANARY })),
      collection(patient({ text: { status: 'generated', div: `<div><script>${CANARY}</script></div>` } })),
      transaction(post(`urn:uuid:${CANARY}`, patient())),
      transaction(post(UUID_A, patient({ managingOrganization: { reference: `urn:uuid:${CANARY}` } }))),
      transaction({ fullUrl: UUID_A, resource: patient(), request: { method: CANARY, url: CANARY } }),
    ];
    for (const value of cases) expect(refusal(value).code).toBe('invalid-fhir');
  });
});

const corpus = path.resolve(repoRoot, '../shared/corpus/fhir');

/** What the door answers for corpus Bundles it refuses; every other corpus Bundle must pass. */
const REFUSED: Record<string, string> = {
  // Search results and responses are answers, not submissions.
  'hl7-r4-examples/Bundle-bundle-example.json': 'Bundle.type',
  'hl7-r4-examples/Bundle-bundle-response-medsallergies.json': 'Bundle.type',
  'hl7-r4-examples/Bundle-bundle-response.json': 'Bundle.type',
};

describe.skipIf(!existsSync(corpus))('Corpus: ../shared/corpus/fhir', () => {
  // A skipped describe's body still runs to collect its tests: read the corpus only when it is there.
  const files = (existsSync(corpus) ? readdirSync(corpus, { withFileTypes: true }) : [])
    .filter((folder) => folder.isDirectory())
    .flatMap((folder) => readdirSync(path.join(corpus, folder.name)).map((name) => `${folder.name}/${name}`));

  it('holds the 48 Bundles of SOURCES.md', () => {
    expect(files).toHaveLength(48);
    expect(files).toEqual(expect.arrayContaining(Object.keys(REFUSED)));
  });

  it.each(files)('%s', (file) => {
    const bundle: unknown = JSON.parse(readFileSync(path.join(corpus, file), 'utf8'));
    const refused = REFUSED[file];
    if (refused === undefined) {
      const summary = validateBundle(bundle);
      expect(summary.entryCount).toBeGreaterThan(0);
      expect(Object.values(summary.resourceCounts).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(
        summary.entryCount,
      );
    } else {
      expect(refusal(bundle)).toEqual(fhirError(refused));
    }
  });
});
