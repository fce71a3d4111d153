import { describe, expect, it } from 'vitest';
import { deidentifyContent } from '../../../shared/app/deidentify-files.js';
import { renderConsumerCopy } from '../../../shared/app/deliver-to-consumer.js';
import { builtInProfile } from '../../../shared/core/deid/contract.js';
import { createReleaseGate } from '../../../shared/core/deid/gate/gate.js';
import {
  deidProvenance,
  withProvenanceEntry,
  withProvenanceLine,
} from '../../../shared/core/deid/provenance.js';
import { validateBundle } from '../../../shared/core/fhir/validate-bundle.js';
import {
  engineFor,
  isJson,
  type Json,
  KEY_ID,
  REFERENCE_DATE,
  r4Errors,
  SECRET,
  UUID,
} from './support/deid-fixtures.js';

const PATIENT_NAME = 'Zebulon';
const MRN = 'MRN-778812';
const input: Json = {
  resourceType: 'Bundle',
  type: 'transaction',
  entry: [
    {
      fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111',
      resource: {
        resourceType: 'Patient',
        id: 'p1',
        identifier: [{ system: 'http://hospital.example/mrn', value: MRN }],
        name: [{ family: 'Quackenbush', given: [PATIENT_NAME] }],
        birthDate: '1961-04-12',
        address: [{ postalCode: '02139', city: 'Cambridge' }],
      },
      request: { method: 'POST', url: 'Patient' },
    },
    {
      fullUrl: 'urn:uuid:22222222-2222-4222-8222-222222222222',
      resource: {
        resourceType: 'Observation',
        id: 'o1',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        subject: { reference: 'urn:uuid:11111111-1111-4111-8111-111111111111' },
        effectiveDateTime: '2024-03-05T10:00:00Z',
        valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
      },
      request: { method: 'POST', url: 'Observation' },
    },
  ],
};

const entries = (bundle: Json): Json[] => (Array.isArray(bundle.entry) ? (bundle.entry as Json[]) : []);
const deidentified = () => engineFor('safe-harbor').deidentifyBundle(structuredClone(input));

describe('the Provenance of a released copy', () => {
  it('is valid R4, names contract, version, profile, DEID and the methods with counts', () => {
    const { output, report } = deidentified();
    const released = withProvenanceEntry(output, report, REFERENCE_DATE);
    const added = entries(released).at(-1) as Json;
    const provenance = added.resource as Json;
    expect(r4Errors(provenance)).toEqual([]);
    expect(provenance.resourceType).toBe('Provenance');
    expect(provenance.id).toMatch(UUID);
    expect(added.fullUrl).toBe(`urn:uuid:${String(provenance.id)}`);
    expect(added.request).toEqual({ method: 'POST', url: 'Provenance' });
    expect(provenance.recorded).toBe(`${REFERENCE_DATE.slice(0, 4)}-01-01T00:00:00Z`);
    expect(provenance.policy).toEqual([
      'urn:phi-pipeline:deid-contract:safe-harbor@1.0.0',
      'urn:phi-pipeline:deid-profile:safe-harbor',
    ]);
    expect(provenance.activity).toEqual({
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'DEID', display: 'deidentify' },
      ],
    });
    // One target per released resource, by the fullUrl it has in the copy.
    expect(provenance.target).toEqual(entries(output).map((e) => ({ reference: e.fullUrl })));
    // Every count of the report, as method + element + count.
    const methods = (provenance.extension as Json[]).map((ext) => {
      expect(ext.url).toBe('urn:phi-pipeline:extension:deid-method');
      const parts = Object.fromEntries(
        (ext.extension as Json[]).map((p) => [p.url, p.valueCode ?? p.valueString ?? p.valueInteger]),
      );
      return [`${String(parts.method)}:${String(parts.element)}`, parts.count];
    });
    expect(Object.fromEntries(methods)).toEqual(report.counts);
    expect(Object.keys(report.counts).some((k) => k.startsWith('generalize-year:'))).toBe(true);
    // The Bundle with its Provenance still passes the ingest validator.
    expect(validateBundle(JSON.parse(JSON.stringify(released))).resourceCounts).toMatchObject({
      Provenance: 1,
    });
  });

  it('holds no value of the record and passes the release gate', () => {
    const { output, report } = deidentified();
    const provenance = entries(withProvenanceEntry(output, report, REFERENCE_DATE)).at(-1)?.resource;
    const text = JSON.stringify(provenance);
    for (const value of [PATIENT_NAME, 'Quackenbush', MRN, '02139', 'Cambridge', '1961', 'p1', 'o1']) {
      expect(text).not.toContain(value);
    }
    const gate = createReleaseGate(builtInProfile('safe-harbor'));
    expect(gate.verdict(gate.collect(input), [['Provenance', provenance]])).toEqual({ ok: true });
  });

  it('is deterministic, and keyed through its targets', () => {
    const first = deidentified();
    const second = deidentified();
    expect(JSON.stringify(withProvenanceEntry(second.output, second.report, REFERENCE_DATE))).toBe(
      JSON.stringify(withProvenanceEntry(first.output, first.report, REFERENCE_DATE)),
    );
    const other = engineFor('safe-harbor', new Uint8Array(32).fill(7)).deidentifyBundle(
      structuredClone(input),
    );
    const id = (r: { output: Json; report: typeof first.report }) =>
      (entries(withProvenanceEntry(r.output, r.report, REFERENCE_DATE)).at(-1) as Json).resource;
    expect((id(other) as Json).id).not.toBe((id(first) as Json).id);
  });

  it('is left out when nothing is released (R4 needs a target)', () => {
    const { report } = deidentified();
    expect(deidProvenance(report, REFERENCE_DATE, [])).toBeUndefined();
    const empty: Json = { resourceType: 'Bundle', type: 'collection' };
    expect(withProvenanceEntry(empty, report, REFERENCE_DATE)).toBe(empty);
    expect(withProvenanceLine([], report, REFERENCE_DATE)).toEqual([]);
  });

  it('gives each Bundle type the entry parts it needs', () => {
    const { output, report } = deidentified();
    const last = (type: string) =>
      entries(withProvenanceEntry({ ...output, type }, report, REFERENCE_DATE)).at(-1) as Json;
    expect(last('searchset').search).toEqual({ mode: 'include' });
    expect(last('history')).toMatchObject({
      request: { method: 'POST', url: 'Provenance' },
      response: { status: '201 Created' },
    });
    expect(last('batch-response').response).toEqual({ status: '201 Created' });
    expect(last('collection').request).toBeUndefined();
  });

  it('is the last NDJSON line of a consumer copy, targeting each line by Type/id, and counted', () => {
    const contract = { ...builtInProfile('safe-harbor'), output: { format: 'ndjson' as const } };
    const copy = renderConsumerCopy(
      contract,
      new TextEncoder().encode(JSON.stringify(input)),
      SECRET,
      KEY_ID,
      REFERENCE_DATE,
    );
    const lines = new TextDecoder()
      .decode(copy.bytes)
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Json);
    const provenance = lines.at(-1) as Json;
    expect(provenance.resourceType).toBe('Provenance');
    expect(r4Errors(provenance)).toEqual([]);
    expect(provenance.target).toEqual(
      lines.slice(0, -1).map((l) => ({ reference: `${String(l.resourceType)}/${String(l.id)}` })),
    );
    expect(copy.resourceCounts).toEqual({ Observation: 1, Patient: 1, Provenance: 1 });
    const sum = Object.values(copy.resourceCounts).reduce((a, b) => a + b, 0);
    expect(sum).toBe(lines.length);
  });

  it('is one more entry of a Bundle consumer copy, and of phi deid output, not counted in the report', () => {
    const bytes = new TextEncoder().encode(JSON.stringify(input));
    const copy = renderConsumerCopy(builtInProfile('safe-harbor'), bytes, SECRET, KEY_ID, REFERENCE_DATE);
    const bundle = JSON.parse(new TextDecoder().decode(copy.bytes)) as Json;
    expect(entries(bundle).map((e) => (e.resource as Json).resourceType)).toEqual([
      'Patient',
      'Observation',
      'Provenance',
    ]);
    expect(copy.resourceCounts).toEqual({ Observation: 1, Patient: 1, Provenance: 1 });
    const { text, report } = deidentifyContent(engineFor('safe-harbor'), bytes, 'in.json');
    expect(text).toBe(`${new TextDecoder().decode(copy.bytes)}\n`);
    expect(report.resourceCounts).toEqual({ Observation: 1, Patient: 1 });
  });

  it('is not added to a single-resource phi deid output', () => {
    const patient = entries(input)[0]?.resource;
    const bytes = new TextEncoder().encode(JSON.stringify(patient));
    const { text } = deidentifyContent(engineFor('safe-harbor'), bytes, 'patient.json');
    const out = JSON.parse(text) as Json;
    expect(isJson(out) && out.resourceType).toBe('Patient');
  });
});
