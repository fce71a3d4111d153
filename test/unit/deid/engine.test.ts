import { describe, expect, it } from 'vitest';
import { builtInProfile, type ConsumerContract } from '../../../shared/core/deid/contract.js';
import { createDeidEngine } from '../../../shared/core/deid/engine.js';
import { bundleResourcesForNdjson } from '../../../shared/core/deid/ndjson.js';
import { isPipelineError } from '../../../shared/core/errors.js';
import {
  engineFor,
  entries,
  FHIR_ID,
  isJson,
  type Json,
  KEY_ID,
  objectAt,
  REFERENCE_DATE,
  r4Errors,
  references,
  resourceAt,
  SECRET,
  UUID,
} from './support/deid-fixtures.js';

const PATIENT: Json = {
  resourceType: 'Patient',
  id: 'MRN-12345',
  extension: [
    {
      url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
      extension: [
        {
          url: 'ombCategory',
          valueCoding: { system: 'urn:oid:2.16.840.1.113883.6.238', code: '2106-3', display: 'White' },
        },
        { url: 'text', valueString: 'White' },
      ],
    },
    { url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex', valueCode: 'M' },
    { url: 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName', valueString: 'Whitfield' },
    {
      url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace',
      valueAddress: { city: 'Pittsfield' },
    },
    { url: 'http://example.org/unknown', valueString: 'Johnny' },
  ],
  identifier: [{ system: 'http://hospital.example.org/mrn', value: '12345' }],
  name: [{ family: 'Doe', given: ['Jonathan'] }],
  telecom: [{ system: 'phone', value: '617-555-0199' }],
  gender: 'male',
  birthDate: '1985-03-15',
  _birthDate: {
    extension: [
      {
        url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime',
        valueDateTime: '1985-03-15T04:35:00Z',
      },
    ],
  },
  address: [{ line: ['42 Elm Street'], city: 'Springfield', state: 'MA', postalCode: '02139' }],
};

const observation = (extra: Json = {}): Json => ({
  resourceType: 'Observation',
  id: 'obs-1',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }] },
  subject: { reference: 'Patient/MRN-12345', display: 'Jonathan Doe' },
  effectiveDateTime: '2024-03-14T09:30:00-05:00',
  valueQuantity: { value: 142, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
  ...extra,
});

const bundleOf = (...resources: Json[]): Json => ({
  resourceType: 'Bundle',
  type: 'collection',
  entry: resources.map((resource, i) => ({
    fullUrl: `urn:uuid:00000000-0000-4000-8000-00000000000${i}`,
    resource,
  })),
});

const output = (result: { output: Json | undefined }): Json => {
  if (result.output === undefined) throw new Error('resource was dropped');
  return result.output;
};

const text = (value: unknown): string => JSON.stringify(value);

describe('determinism', () => {
  it('gives byte-identical output for the same input, key, contract version and reference date', () => {
    const input = bundleOf(PATIENT, observation());
    const a = text(engineFor('safe-harbor').deidentifyBundle(structuredClone(input)).output);
    const b = text(engineFor('safe-harbor').deidentifyBundle(structuredClone(input)).output);
    expect(a).toBe(b);
    const other = text(engineFor('safe-harbor', new Uint8Array(32).fill(1)).deidentifyBundle(input).output);
    expect(other).not.toBe(a);
  });

  it('does not modify its input', () => {
    const input = bundleOf(PATIENT, observation());
    const before = text(input);
    engineFor('research').deidentifyBundle(input);
    expect(text(input)).toBe(before);
  });

  it('rejects a bad reference date or secret', () => {
    const code = (make: () => unknown) => {
      try {
        make();
      } catch (error) {
        return isPipelineError(error) ? error.code : 'other';
      }
      return 'accepted';
    };
    const contract = builtInProfile('safe-harbor');
    expect(
      code(() => createDeidEngine({ contract, secret: SECRET, keyId: KEY_ID, referenceDate: '2025-13-01' })),
    ).toBe('config-invalid');
    expect(
      code(() =>
        createDeidEngine({
          contract,
          secret: new Uint8Array(8),
          keyId: KEY_ID,
          referenceDate: REFERENCE_DATE,
        }),
      ),
    ).toBe('config-invalid');
  });
});

describe('Safe Harbor backstop', () => {
  const sh = engineFor('safe-harbor');

  it('removes names, telecom, street, city and identifier values, keeps state and ZIP3', () => {
    const patient = output(sh.deidentifyResource(PATIENT));
    expect(patient.name).toBeUndefined();
    expect(patient.telecom).toBeUndefined();
    expect(patient.address).toEqual([{ state: 'MA', postalCode: '02100' }]);
    expect(patient.identifier).toBeUndefined();
    expect(patient.birthDate).toBe('1985');
    expect(patient.gender).toBe('male');
    for (const value of [
      'Doe',
      'Jonathan',
      '617-555-0199',
      'Elm',
      'Springfield',
      '12345',
      'Whitfield',
      'Pittsfield',
    ]) {
      expect(text(patient)).not.toContain(value);
    }
  });

  it('keeps allow-listed extensions only, in resources and in primitive extensions', () => {
    const patient = output(sh.deidentifyResource(PATIENT));
    const urls = (patient.extension as Json[]).map((e) => e.url);
    expect(urls).toEqual([
      'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
      'http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex',
    ]);
    expect(patient._birthDate).toBeUndefined();
    expect(text(patient)).not.toContain('04:35');
  });

  it('rewrites the id of a resource whose id is an identifier, consistently with references to it', () => {
    const submission = sh.collectSubmission([PATIENT, observation()]);
    const patient = output(sh.deidentifyResource(PATIENT, { submission }));
    const obs = output(sh.deidentifyResource(observation(), { submission }));
    expect(patient.id).toMatch(UUID);
    expect(obs.subject).toEqual({ reference: `Patient/${String(patient.id)}` });
    // Alone, the Observation's Patient is outside its submission: visibly external, same pseudonym.
    const alone = output(sh.deidentifyResource(observation()));
    expect(alone.subject).toEqual({ reference: `https://external.invalid/Patient/${String(patient.id)}` });
  });

  it('reduces every date to its year, instants to 1 January of it', () => {
    const obs = output(sh.deidentifyResource(observation({ issued: '2024-03-14T10:00:00.123Z' })));
    expect(obs.effectiveDateTime).toBe('2024');
    expect(obs.issued).toBe('2024-01-01T00:00:00Z');
  });

  it('aggregates ages over 89: birth date dropped and marked, Age values capped, old dates dropped', () => {
    const old = output(sh.deidentifyResource({ ...PATIENT, birthDate: '1931-03-15' }));
    expect(old.birthDate).toBeUndefined();
    expect((old.extension as Json[]).at(-1)).toEqual({
      url: 'urn:phi-pipeline:extension:age-category',
      valueCode: '90+',
    });
    const condition = output(
      sh.deidentifyResource({
        resourceType: 'Condition',
        subject: { reference: 'Patient/x' },
        onsetAge: { value: 1150, unit: 'mo', system: 'http://unitsofmeasure.org', code: 'mo' },
        recordedDate: '1920-01-01',
      }),
    );
    expect(condition.onsetAge).toEqual({
      value: 90,
      comparator: '>=',
      unit: 'years',
      system: 'http://unitsofmeasure.org',
      code: 'a',
    });
    expect(condition.recordedDate).toBeUndefined();
  });

  it('drops narrative, notes, free-text strings and attachment content', () => {
    const obs = output(
      sh.deidentifyResource(
        observation({
          text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Jonathan</div>' },
          note: [{ text: 'Jonathan Doe' }],
          valueString: 'Jonathan Doe',
          valueQuantity: undefined,
        }),
      ),
    );
    expect(obs.text).toBeUndefined();
    expect(obs.note).toBeUndefined();
    expect(obs.valueString).toBeUndefined();
    const doc = output(
      sh.deidentifyResource({
        resourceType: 'DocumentReference',
        status: 'current',
        content: [
          {
            attachment: {
              contentType: 'text/plain',
              data: 'Sm9uYXRoYW4=',
              url: 'http://x/1',
              title: 'jdoe.txt',
            },
          },
        ],
      }),
    );
    expect(doc.content).toEqual([{ attachment: { contentType: 'text/plain' } }]);
  });

  it('keeps CodeableConcept.text only when it is one of its codings’ displays', () => {
    const coded = (t: string) => {
      const obs = observation({
        code: {
          coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }],
          text: t,
        },
      });
      return objectAt(resourceAt(sh.deidentifyBundle(bundleOf(PATIENT, obs)).output, 1), 'code');
    };
    expect(coded('Systolic blood pressure').text).toBe('Systolic blood pressure');
    expect(coded('BP taken by Jonathan').text).toBeUndefined();
  });

  it('drops a code display that names the patient but keeps the code', () => {
    const out = output(
      sh.deidentifyBundle(
        bundleOf(
          PATIENT,
          observation({
            code: {
              coding: [{ system: 'http://loinc.org', code: '8693-4', display: 'Doe, Jonathan status' }],
            },
          }),
        ),
      ),
    );
    const obs = entries(out)[1]?.resource as Json;
    expect(obs.code).toEqual({ coding: [{ system: 'http://loinc.org', code: '8693-4' }] });
  });

  it('drops elements that are not R4 and resource types that are not R4, and counts them', () => {
    const result = sh.deidentifyBundle(
      bundleOf(observation({ ssn: '123-45-6789' }), { resourceType: 'FooBar', id: 'x', name: 'Jonathan' }),
    );
    expect(text(result.output)).not.toContain('123-45-6789');
    expect(entries(result.output)).toHaveLength(1);
    expect(result.report.dropped).toEqual({ '(unknown)': 1 });
    expect(result.report.counts['unknown-element:Observation']).toBe(1);
  });

  it('drops an element whose modifier extension is not allowed', () => {
    const encounter = output(
      sh.deidentifyResource({
        resourceType: 'Encounter',
        status: 'finished',
        class: { code: 'AMB' },
        participant: [
          { individual: { reference: 'Practitioner/a' } },
          {
            modifierExtension: [{ url: 'http://example.org/negated', valueBoolean: true }],
            individual: { reference: 'Practitioner/b' },
          },
        ],
      }),
    );
    expect(encounter.participant).toHaveLength(1);
  });

  it('removes latitude and longitude, and free-text names of places', () => {
    const location = output(
      sh.deidentifyResource({
        resourceType: 'Location',
        name: 'Doe residence',
        position: { latitude: 42.1, longitude: -72.5 },
        address: { state: 'MA', postalCode: '03601' },
      }),
    );
    expect(location.position).toBeUndefined();
    expect(location.name).toBeUndefined();
    expect(location.address).toEqual({ state: 'MA', postalCode: '00000' });
  });

  it('keeps required elements present with a data-absent-reason when their content was removed', () => {
    const claim = output(
      sh.deidentifyResource({
        resourceType: 'Claim',
        status: 'active',
        type: { coding: [{ code: 'professional' }] },
        use: 'claim',
        patient: { reference: 'Patient/p' },
        created: '2024-03-15',
        provider: { display: 'Dr. Carter' },
        priority: { coding: [{ code: 'normal' }] },
        insurance: [{ sequence: 1, focal: true, coverage: { display: 'Acme member 998877' } }],
      }),
    );
    const absent = {
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'masked' }],
    };
    expect(claim.provider).toEqual(absent);
    expect((claim.insurance as Json[])[0]?.coverage).toEqual(absent);
    expect(r4Errors(claim)).toEqual([]);
  });

  it('labels resources and tags them with the contract and its version', () => {
    const patient = output(sh.deidentifyResource(PATIENT));
    const meta = patient.meta as Json;
    const codes = (meta.security as Json[]).map((c) => `${String(c.system)}|${String(c.code)}`);
    expect(codes).toEqual([
      'http://terminology.hl7.org/CodeSystem/v3-ObservationValue|PSEUDED',
      'http://terminology.hl7.org/CodeSystem/v3-ObservationValue|REDACTED',
      'http://terminology.hl7.org/CodeSystem/v3-ObservationValue|ABSTRED',
    ]);
    expect(meta.tag).toEqual([
      { system: 'urn:phi-pipeline:deid-contract', code: 'safe-harbor@1.0.0' },
      { system: 'urn:phi-pipeline:deid-profile', code: 'safe-harbor' },
    ]);
  });

  it('reports counts per rule and path, never values', () => {
    const { report } = sh.deidentifyBundle(bundleOf(PATIENT, observation()));
    expect(report).toMatchObject({
      contract: 'safe-harbor',
      contractVersion: '1.0.0',
      profile: 'safe-harbor',
      keyId: KEY_ID,
    });
    expect(report.resourceCounts).toEqual({ Observation: 1, Patient: 1 });
    expect(report.counts['generalize-zip3:Patient.address.postalCode']).toBe(1);
    expect(report.counts['deny:Patient.name']).toBe(1);
    expect(report.counts['backstop-drop:Patient.address.line']).toBe(1);
    for (const value of ['Doe', 'Jonathan', '617-555-0199', '12345', 'Springfield', 'MRN', 'example.org']) {
      expect(text(report)).not.toContain(value);
    }
  });
});

describe('references', () => {
  const sh = engineFor('safe-harbor');

  it('keeps every reference that resolved in the Bundle resolving, with valid UUID fullUrls', () => {
    const input: Json = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'http://hospital.example.org/fhir/Patient/MRN-12345',
          resource: PATIENT,
          request: { method: 'PUT', url: 'Patient/MRN-12345' },
        },
        {
          fullUrl: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a',
          resource: {
            resourceType: 'Practitioner',
            identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '9999900001' }],
          },
          request: {
            method: 'POST',
            url: 'Practitioner',
            ifNoneExist: 'identifier=http://hl7.org/fhir/sid/us-npi|9999900001',
          },
        },
        {
          fullUrl: 'urn:uuid:00000000-0000-4000-8000-000000000002',
          resource: observation({
            performer: [
              { reference: 'Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999900001' },
              { reference: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a' },
            ],
            subject: { reference: 'http://hospital.example.org/fhir/Patient/MRN-12345/_history/2' },
          }),
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    };
    const out = sh.deidentifyBundle(input).output;
    const fullUrls = new Set(entries(out).map((e) => e.fullUrl));
    for (const e of entries(out)) expect(String(e.fullUrl)).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    const refs = references(entries(out).map((e) => e.resource));
    expect(refs).toHaveLength(3);
    for (const ref of refs) expect(fullUrls.has(ref)).toBe(true);
    expect(entries(out)[0]?.request).toEqual({
      method: 'PUT',
      url: `Patient/${String(resourceAt(out, 0).id)}`,
    });
    expect(text(out)).not.toContain('hospital.example.org');
    expect(text(out)).not.toContain('9999900001');
    expect(text(out)).not.toContain('MRN-12345');
  });

  it('rewrites contained resources to local ids and drops the ones nothing references', () => {
    const encounter = output(
      sh.deidentifyResource({
        resourceType: 'Encounter',
        status: 'finished',
        class: { code: 'HH' },
        contained: [
          { resourceType: 'Location', id: 'home-of-jdoe', address: { state: 'MA' } },
          { resourceType: 'Patient', id: 'orphan', name: [{ family: 'Orphan' }] },
        ],
        location: [{ location: { reference: '#home-of-jdoe' } }],
      }),
    );
    expect(encounter.contained).toEqual([{ resourceType: 'Location', id: 'c1', address: { state: 'MA' } }]);
    expect(encounter.location).toEqual([{ location: { reference: '#c1' } }]);
  });

  it('removes references to resource types the contract drops', () => {
    const research = engineFor('research');
    const out = research.deidentifyBundle(
      bundleOf(
        { resourceType: 'RelatedPerson', id: 'rp', patient: { reference: 'Patient/MRN-12345' } },
        {
          ...PATIENT,
          link: [{ other: { reference: 'urn:uuid:00000000-0000-4000-8000-000000000000' }, type: 'seealso' }],
        },
      ),
    );
    expect(entries(out.output)).toHaveLength(1);
    expect(out.report.dropped).toEqual({ RelatedPerson: 1 });
    const patient = entries(out.output)[0]?.resource as Json;
    // Patient.link.other is required: its link stays, marked as masked, and points nowhere.
    expect(patient.link).toEqual([
      {
        other: {
          extension: [
            { url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'masked' },
          ],
        },
        type: 'seealso',
      },
    ]);
    expect(references(out.output)).toHaveLength(0);
  });

  it('turns Bundle references into Type/id for NDJSON', () => {
    const out = sh.deidentifyBundle(
      bundleOf(
        PATIENT,
        observation({ subject: { reference: 'urn:uuid:00000000-0000-4000-8000-000000000000' } }),
      ),
    ).output;
    const [patient, obs] = bundleResourcesForNdjson(out);
    expect(obs?.subject).toEqual({ reference: `Patient/${String(patient?.id)}` });
  });
});

describe('limited data set', () => {
  const research = engineFor('research');
  const scrubbing = engineFor({
    ...builtInProfile('limited-data-set'),
    name: 'scrubbing',
    freeText: 'scrub',
  });

  it('shifts dates by one keyed offset per patient, across lines and submissions', () => {
    const patient = output(research.deidentifyResource({ ...PATIENT, birthDate: '1985-03-15' }));
    const obs1 = output(research.deidentifyResource(observation({ effectiveDateTime: '2024-03-14' })));
    const obs2 = output(
      research.deidentifyResource(observation({ id: 'obs-2', effectiveDateTime: '2024-03-24' })),
    );
    const day = (d: unknown) => Date.parse(String(d)) / 86_400_000;
    const shift = day(obs1.effectiveDateTime) - day('2024-03-14');
    expect(shift).not.toBe(0);
    expect(Math.abs(shift)).toBeLessThanOrEqual(365);
    expect(day(obs2.effectiveDateTime) - day('2024-03-24')).toBe(shift);
    // research keeps only the (shifted) birth year
    expect(patient.birthDate).toMatch(/^\d{4}$/);
    const bundled = research.deidentifyBundle(
      bundleOf(PATIENT, observation({ effectiveDateTime: '2024-03-14' })),
    ).output;
    expect(resourceAt(bundled, 1).effectiveDateTime).toBe(obs1.effectiveDateTime);
  });

  it('pseudonymizes identifiers under the key id instead of dropping them', () => {
    const patient = output(research.deidentifyResource(PATIENT));
    expect(patient.identifier).toEqual([
      { system: `urn:phi-pipeline:pseudonym:${KEY_ID}`, value: expect.stringMatching(/^[0-9a-f]{32}$/) },
    ]);
  });

  it('scrubs free text of the record’s own identifiers and of shaped PHI when a contract asks', () => {
    const out = scrubbing.deidentifyBundle(
      bundleOf(
        PATIENT,
        observation({ note: [{ text: 'Jonathan Doe (MRN 12345) seen 03/14/2024, call 617-555-0199' }] }),
      ),
    ).output;
    const note = (resourceAt(out, 1).note as Json[])[0]?.text;
    expect(note).toBe('[REDACTED] [REDACTED] (MRN [REDACTED]) seen [DATE], call [REDACTED]');
  });

  it('uses identifiers from other NDJSON lines as scrubbing context', () => {
    const context = scrubbing.collectContext([PATIENT]);
    const note = { note: [{ text: 'Spoke with Whitfield' }] };
    const obs = output(scrubbing.deidentifyResource(observation(note), { context }));
    expect((obs.note as Json[])[0]?.text).toBe('Spoke with [REDACTED]');
    const without = output(scrubbing.deidentifyResource(observation(note)));
    expect((without.note as Json[])[0]?.text).toBe('Spoke with Whitfield');
    // research does not scrub: it withholds free text
    expect(output(research.deidentifyResource(observation(note), { context })).note).toBeUndefined();
  });

  it('keeps code displays only when it can check them against the patient they are about', () => {
    const sh = engineFor('safe-harbor');
    const lone = output(sh.deidentifyResource(observation()));
    expect(lone.code).toEqual({ coding: [{ system: 'http://loinc.org', code: '8480-6' }] });
    const context = sh.collectContext([PATIENT]);
    expect(output(sh.deidentifyResource(observation(), { context })).code).toEqual({
      coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }],
    });
  });
});

describe('contract rules', () => {
  const contract = (
    rules: ConsumerContract['rules'],
    extra: Partial<ConsumerContract> = {},
  ): ConsumerContract => ({
    schemaVersion: 1,
    name: 'rules-test',
    version: '2.1.0',
    profile: 'limited-data-set',
    dates: { method: 'keep' },
    identifiers: 'pseudonymize',
    resources: {
      Patient: { elements: ['gender', 'birthDate', 'address'] },
      Observation: { elements: ['status', 'code', 'subject', 'effective', 'value', 'note'] },
    },
    rules,
    ...extra,
  });

  it('denies every element the allow-list does not name', () => {
    const out = output(engineFor(contract([])).deidentifyResource(PATIENT));
    expect(Object.keys(out).sort()).toEqual(['address', 'birthDate', 'gender', 'id', 'meta', 'resourceType']);
  });

  it('applies keep, drop, generalize, substitute and scrub, with the backstop still on top', () => {
    const engine = engineFor(
      contract([
        { path: 'Patient.birthDate', method: 'generalize', to: 'year' },
        { path: 'Patient.address.postalCode', method: 'generalize', to: 'zip3' },
        { path: 'Patient.gender', method: 'substitute', value: 'unknown' },
        { path: 'Observation.note', method: 'scrub' },
        { path: 'Observation.effective', method: 'drop' },
      ]),
    );
    const patient = output(engine.deidentifyResource(PATIENT));
    expect(patient.birthDate).toBe('1985');
    expect(patient.gender).toBe('unknown');
    expect(patient.address).toEqual([{ city: 'Springfield', state: 'MA', postalCode: '02100' }]);
    const bundled = engine.deidentifyBundle(
      bundleOf(PATIENT, observation({ note: [{ text: 'Jonathan ok' }] })),
    ).output;
    const obs = resourceAt(bundled, 1);
    expect(obs.effectiveDateTime).toBeUndefined();
    expect((obs.note as Json[])[0]?.text).toBe('[REDACTED] ok');
    expect((objectAt(obs, 'meta').tag as Json[])[0]).toEqual({
      system: 'urn:phi-pipeline:deid-contract',
      code: 'rules-test@2.1.0',
    });
  });
});

describe('output validity', () => {
  it('produces valid R4 and valid ids for a Bundle with PHI in many places', () => {
    for (const name of ['safe-harbor', 'limited-data-set', 'research', 'billing']) {
      const out = engineFor(name).deidentifyBundle(bundleOf(PATIENT, observation())).output;
      expect(r4Errors(out)).toEqual([]);
      for (const e of entries(out)) {
        const resource = e.resource;
        if (isJson(resource) && resource.id !== undefined) expect(String(resource.id)).toMatch(FHIR_ID);
      }
    }
  });
});
