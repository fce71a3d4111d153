import { beforeAll, describe, expect, it } from 'vitest';
import { isPipelineError } from '../../shared/core/errors.js';
import {
  createValueSetExpander,
  type TerminologySource,
  warmRequiredBindings,
} from '../../shared/core/fhir/required-bindings.js';
import { validateBundle, warmFhirValidator } from '../../shared/core/fhir/validate-bundle.js';

/** Codes nobody would pick by chance: if one reaches an error, the error leaks submitted content. */
const CANARY = 'CANARY-CODE-9c1e';

type Json = Record<string, unknown>;
const patient = (extra: Json = {}): Json => ({ resourceType: 'Patient', birthDate: '1990-01-01', ...extra });
const observation = (extra: Json = {}): Json => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'x' },
  ...extra,
});
const collection = (...resources: Json[]): Json => ({
  resourceType: 'Bundle',
  type: 'collection',
  entry: resources.map((resource) => ({ resource })),
});
const transaction = (method: string, resource: Json = patient()): Json => ({
  resourceType: 'Bundle',
  type: 'transaction',
  entry: [
    {
      fullUrl: 'urn:uuid:6f1c2a3b-1111-4222-8333-944455556666',
      resource,
      request: { method, url: 'Patient' },
    },
  ],
});

/** Code and location of the rejection, checked to carry no submitted code; fails when accepted. */
function refusal(value: unknown): { code: string; expression: unknown } {
  try {
    validateBundle(value);
  } catch (error) {
    if (!isPipelineError(error)) throw error;
    expect(`${error.message} ${JSON.stringify(error.details)}`).not.toContain('CANARY');
    expect(Object.keys(error.details ?? {})).toEqual(['expression']);
    return { code: error.code, expression: error.details?.expression };
  }
  throw new Error('the Bundle was accepted');
}
const notInValueSet = (expression: string) => ({ code: 'invalid-fhir', expression });

describe('Function: validateBundle, required terminology bindings of code elements', () => {
  beforeAll(() => {
    warmFhirValidator();
    warmRequiredBindings();
  });

  it('refuses a Patient.gender outside administrative-gender and names the element only', () => {
    expect(refusal(collection(patient(), patient({ gender: CANARY })))).toEqual(
      notInValueSet('Bundle.entry[1].resource.gender'),
    );
  });

  it('refuses with the SPEC code and a fixed message', () => {
    try {
      validateBundle(collection(patient({ gender: 'GENDER-Q7' })));
      expect.unreachable();
    } catch (error) {
      expect(isPipelineError(error) && error.code).toBe('invalid-fhir');
      expect(isPipelineError(error) && error.message).not.toContain('GENDER-Q7');
    }
  });

  it('refuses an Observation.status outside observation-status', () => {
    expect(refusal(collection(observation({ status: 'nonsense' })))).toEqual(
      notInValueSet('Bundle.entry[0].resource.status'),
    );
  });

  it('compares codes exactly (FHIR codes are case-sensitive)', () => {
    expect(refusal(collection(patient({ gender: 'Male' })))).toEqual(
      notInValueSet('Bundle.entry[0].resource.gender'),
    );
    expect(refusal(collection(patient({ gender: 'MALE' })))).toEqual(
      notInValueSet('Bundle.entry[0].resource.gender'),
    );
  });

  it.each(['male', 'female', 'other', 'unknown'])('accepts Patient.gender %j', (gender) => {
    expect(validateBundle(collection(patient({ gender }))).entryCount).toBe(1);
  });

  it.each([
    'registered',
    'preliminary',
    'final',
    'amended',
    'corrected',
    'cancelled',
    'entered-in-error',
    'unknown',
  ])('accepts Observation.status %j', (status) => {
    expect(validateBundle(collection(observation({ status }))).entryCount).toBe(1);
  });

  describe('nested and backbone elements', () => {
    it('refuses a bad Bundle.entry.request.method of a transaction', () => {
      // bundle-rules refuses unknown verbs first; the binding check itself is exercised through a
      // nested transaction Bundle, which bundle-rules does not look into.
      const nested = transaction(CANARY);
      expect(refusal(transaction('POST', nested))).toEqual(
        notInValueSet('Bundle.entry[0].resource.entry[0].request.method'),
      );
    });

    it('accepts every HTTP verb of http-verb in a nested transaction', () => {
      for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH']) {
        expect(validateBundle(transaction('POST', transaction(method))).entryCount).toBe(1);
      }
    });

    it('refuses a bad Patient.contact.gender and names the contact', () => {
      const name = { family: 'Doe' }; // pat-1: a contact needs more than a gender
      const contact = [
        { name, gender: 'female' },
        { name, gender: CANARY },
      ];
      expect(refusal(collection(patient({ contact })))).toEqual(
        notInValueSet('Bundle.entry[0].resource.contact[1].gender'),
      );
      expect(validateBundle(collection(patient({ contact: [{ name, gender: 'other' }] }))).entryCount).toBe(
        1,
      );
    });

    it('refuses a bad code in a data type inside a choice element (Quantity.comparator)', () => {
      expect(refusal(collection(observation({ valueQuantity: { value: 1, comparator: '=<' } })))).toEqual(
        notInValueSet('Bundle.entry[0].resource.valueQuantity.comparator'),
      );
      expect(
        validateBundle(collection(observation({ valueQuantity: { value: 1, comparator: '<=' } }))).entryCount,
      ).toBe(1);
    });

    it('refuses a bad code in a contained resource and in a repeated nested backbone', () => {
      expect(refusal(collection(patient({ contained: [observation({ id: 'o', status: CANARY })] })))).toEqual(
        notInValueSet('Bundle.entry[0].resource.contained[0].status'),
      );
      const questionnaire = {
        resourceType: 'Questionnaire',
        status: 'active',
        item: [{ linkId: '1', type: 'group', item: [{ linkId: '1.1', type: CANARY }] }],
      };
      expect(refusal(collection(questionnaire))).toEqual(
        notInValueSet('Bundle.entry[0].resource.item[0].item[0].type'),
      );
    });

    it('checks a code that carries a primitive extension (_gender)', () => {
      const extension = { extension: [{ url: 'http://example.org/x', valueString: 'y' }] };
      expect(refusal(collection(patient({ gender: CANARY, _gender: extension })))).toEqual(
        notInValueSet('Bundle.entry[0].resource.gender'),
      );
      expect(validateBundle(collection(patient({ gender: 'male', _gender: extension }))).entryCount).toBe(1);
    });
  });

  describe('value sets as R4 defines them', () => {
    it('takes every code of a whole code system, nested concepts included (ServiceRequest.intent)', () => {
      const request = (intent: string) => ({
        resourceType: 'ServiceRequest',
        status: 'active',
        intent,
        subject: { reference: 'Patient/1' },
      });
      // request-intent nests instance-order under filler-order under order.
      for (const intent of ['proposal', 'order', 'filler-order', 'instance-order']) {
        expect(validateBundle(collection(request(intent))).entryCount).toBe(1);
      }
      expect(refusal(collection(request(CANARY)))).toEqual(notInValueSet('Bundle.entry[0].resource.intent'));
    });

    it('takes only the listed codes of an explicit concept list (Task.intent)', () => {
      const task = (intent: string) => ({ resourceType: 'Task', status: 'draft', intent });
      expect(validateBundle(collection(task('unknown'))).entryCount).toBe(1); // task-intent system
      expect(validateBundle(collection(task('reflex-order'))).entryCount).toBe(1); // listed request-intent
      // "directive" is a request-intent code, but task-intent does not list it.
      expect(refusal(collection(task('directive')))).toEqual(
        notInValueSet('Bundle.entry[0].resource.intent'),
      );
    });

    it('reads Composition.confidentiality from the shipped v3 terminology', () => {
      const composition = {
        resourceType: 'Composition',
        status: 'final',
        type: { text: 'x' },
        date: '2020-01-01',
        author: [{ reference: 'Practitioner/1' }],
        title: 't',
      };
      expect(validateBundle(collection({ ...composition, confidentiality: 'N' })).entryCount).toBe(1);
      expect(refusal(collection({ ...composition, confidentiality: CANARY }))).toEqual(
        notInValueSet('Bundle.entry[0].resource.confidentiality'),
      );
    });

    it('does not judge codes of external code systems it cannot expand (MIME types)', () => {
      const document = {
        resourceType: 'DocumentReference',
        status: 'current',
        content: [{ attachment: { contentType: 'application/x-made-up' } }],
      };
      expect(validateBundle(collection(document)).entryCount).toBe(1);
      expect(refusal(collection({ ...document, status: CANARY }))).toEqual(
        notInValueSet('Bundle.entry[0].resource.status'),
      );
    });
  });

  it('leaves CodeableConcept bindings alone for now (AllergyIntolerance.clinicalStatus)', () => {
    const allergy = {
      resourceType: 'AllergyIntolerance',
      patient: { reference: 'Patient/1' },
      clinicalStatus: { coding: [{ system: 'http://example.org/not-the-bound-system', code: 'whatever' }] },
    };
    expect(validateBundle(collection(allergy)).entryCount).toBe(1);
  });
});

describe('Function: createValueSetExpander', () => {
  const system = (url: string, concept: unknown[], content = 'complete') => ({ url, content, concept });
  const valueSet = (url: string, compose: unknown) => ({ url, compose });
  function expanderOver(resources: { valueSets?: Json[]; codeSystems?: Json[] }) {
    const lookups: string[] = [];
    const index = (list: Json[] = []) => new Map(list.map((r) => [String(r.url), r]));
    const valueSets = index(resources.valueSets);
    const codeSystems = index(resources.codeSystems);
    const source: TerminologySource = {
      valueSet: (url) => {
        lookups.push(url);
        return valueSets.get(url);
      },
      codeSystem: (url) => codeSystems.get(url),
    };
    return { expand: createValueSetExpander(source), lookups };
  }
  const sorted = (codes: ReadonlySet<string> | undefined) =>
    codes === undefined ? undefined : [...codes].sort();

  const colours = system('urn:cs:colours', [
    { code: 'red', concept: [{ code: 'dark-red', concept: [{ code: 'maroon' }] }] },
    { code: 'green' },
    { code: 'blue' },
  ]);

  it('expands a whole code system recursively, minus excludes, ignoring |version', () => {
    const { expand, lookups } = expanderOver({
      codeSystems: [colours],
      valueSets: [
        valueSet('urn:vs:warm', {
          include: [{ system: 'urn:cs:colours' }],
          exclude: [{ system: 'urn:cs:colours', concept: [{ code: 'blue' }, { code: 'green' }] }],
        }),
      ],
    });
    expect(sorted(expand('urn:vs:warm|1.0'))).toEqual(['dark-red', 'maroon', 'red']);
    expect(sorted(expand('urn:vs:warm'))).toEqual(['dark-red', 'maroon', 'red']);
    expect(lookups).toEqual(['urn:vs:warm']); // memoized per URL
  });

  it('unions includes and intersects an include with the value sets it imports', () => {
    const { expand } = expanderOver({
      codeSystems: [colours, system('urn:cs:shapes', [{ code: 'circle' }])],
      valueSets: [
        valueSet('urn:vs:primary', {
          include: [{ system: 'urn:cs:colours', concept: [{ code: 'red' }, { code: 'blue' }] }],
        }),
        valueSet('urn:vs:mixed', {
          include: [
            { system: 'urn:cs:colours', valueSet: ['urn:vs:primary|2'] },
            { valueSet: ['urn:vs:primary'] },
            { system: 'urn:cs:shapes' },
          ],
        }),
      ],
    });
    expect(sorted(expand('urn:vs:mixed'))).toEqual(['blue', 'circle', 'red']);
  });

  it('uses expansion.contains when there is no compose', () => {
    const { expand } = expanderOver({
      valueSets: [{ url: 'urn:vs:pre', expansion: { contains: [{ code: 'a', contains: [{ code: 'b' }] }] } }],
    });
    expect(sorted(expand('urn:vs:pre'))).toEqual(['a', 'b']);
  });

  it.each([
    ['an unknown value set', 'urn:vs:nowhere', {}],
    [
      'an external code system',
      'urn:vs:x',
      { valueSets: [valueSet('urn:vs:x', { include: [{ system: 'urn:ietf:bcp:13' }] })] },
    ],
    [
      'a code system that is not complete',
      'urn:vs:x',
      {
        codeSystems: [system('urn:cs:part', [{ code: 'a' }], 'fragment')],
        valueSets: [valueSet('urn:vs:x', { include: [{ system: 'urn:cs:part' }] })],
      },
    ],
    [
      'a filter',
      'urn:vs:x',
      {
        codeSystems: [colours],
        valueSets: [
          valueSet('urn:vs:x', {
            include: [
              { system: 'urn:cs:colours', filter: [{ property: 'concept', op: 'is-a', value: 'red' }] },
            ],
          }),
        ],
      },
    ],
    [
      'an exclude it cannot expand',
      'urn:vs:x',
      {
        codeSystems: [colours],
        valueSets: [
          valueSet('urn:vs:x', {
            include: [{ system: 'urn:cs:colours' }],
            exclude: [{ valueSet: ['urn:vs:gone'] }],
          }),
        ],
      },
    ],
    [
      'an import cycle',
      'urn:vs:a',
      {
        valueSets: [
          valueSet('urn:vs:a', { include: [{ valueSet: ['urn:vs:b'] }] }),
          valueSet('urn:vs:b', { include: [{ valueSet: ['urn:vs:a'] }] }),
        ],
      },
    ],
  ])('cannot expand %s', (_, url, resources) => {
    expect(
      expanderOver(resources as { valueSets?: Json[]; codeSystems?: Json[] }).expand(url),
    ).toBeUndefined();
  });
});
