import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deidentifyFiles } from '../../../shared/app/deidentify-files.js';
import { builtInProfile, type ConsumerContract } from '../../../shared/core/deid/contract.js';
import { EXTERNAL_BASE } from '../../../shared/core/deid/references.js';
import { checkReferentialIntegrity } from '../../helpers/leak-check.js';
import { engineFor, isJson, type Json, KEY_ID, REFERENCE_DATE, SECRET } from './support/deid-fixtures.js';

/**
 * References stay true (issue "De-identification that generalizes", part 3): a reference whose
 * `Type/id` names a resource of the submission, in any form (relative, absolute on the partner's base,
 * versioned, urn:uuid), resolves in the output to that resource's pseudonymous id; one that points
 * outside stays visibly external, never a relative reference that resolves nowhere. Planted in
 * several places of the same kind: Observation.subject, Encounter.serviceProvider,
 * DiagnosticReport.result, Provenance.target and a Reference inside an extension.
 */
const PARTNER = 'https://partner.zqx.example.org/fhir';
const OTHER = 'https://other.zqx.example.org/fhir';
const SUPPORTING_INFO = 'http://hl7.org/fhir/StructureDefinition/workflow-supportingInfo';

function contract(): ConsumerContract {
  const c = builtInProfile('limited-data-set');
  return { ...c, extensions: [...(c.extensions ?? []), SUPPORTING_INFO] };
}

const code = { coding: [{ system: 'http://loinc.org', code: '8480-6' }] };

/** The submission: resources that point at each other in every form, and at things outside it. */
function resources(): Json[] {
  return [
    { resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '1970-05-06' },
    { resourceType: 'Organization', id: 'org1', active: true },
    {
      resourceType: 'Encounter',
      id: 'enc1',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: { reference: `${PARTNER}/Patient/p1` },
      serviceProvider: { reference: `${PARTNER}/Organization/org1/_history/2` },
      period: { start: '2024-04-02T09:00:00Z' },
    },
    {
      resourceType: 'Observation',
      id: 'obs1',
      status: 'final',
      code,
      subject: { reference: `${PARTNER}/Patient/p1` },
      encounter: { reference: 'Encounter/enc1' },
      extension: [{ url: SUPPORTING_INFO, valueReference: { reference: `${PARTNER}/Encounter/enc1` } }],
      effectiveDateTime: '2024-04-02T09:10:00Z',
    },
    {
      resourceType: 'Observation',
      id: 'obs2',
      status: 'final',
      code,
      subject: { reference: 'Patient/p1/_history/4' },
      // Outside the submission: a practitioner nobody exported, a patient on another server.
      performer: [{ reference: 'Practitioner/dr-zqx' }],
      focus: [{ reference: `${OTHER}/Patient/p9` }],
      effectiveDateTime: '2024-04-02T09:15:00Z',
    },
    {
      resourceType: 'DiagnosticReport',
      id: 'dr1',
      status: 'final',
      code,
      subject: { reference: 'Patient/p1' },
      result: [
        { reference: `${PARTNER}/Observation/obs1` },
        { reference: 'Observation/obs2/_history/1' },
        { reference: 'Observation/obs-not-exported' },
      ],
      issued: '2024-04-02T10:00:00Z',
    },
    {
      resourceType: 'Provenance',
      id: 'prov1',
      target: [{ reference: `${PARTNER}/Observation/obs1` }, { reference: 'DiagnosticReport/dr1' }],
      recorded: '2024-04-02T10:05:00Z',
      agent: [{ who: { reference: `${PARTNER}/Organization/org1` } }],
    },
  ];
}

/** Input Type/id → what each reference in the submission names (undefined: outside it). */
const INSIDE: Record<string, string> = {
  'Encounter.subject': 'Patient/p1',
  'Encounter.serviceProvider': 'Organization/org1',
  'Observation/obs1.subject': 'Patient/p1',
  'Observation/obs1.encounter': 'Encounter/enc1',
  'Observation/obs1.extension': 'Encounter/enc1',
  'Observation/obs2.subject': 'Patient/p1',
  'DiagnosticReport.subject': 'Patient/p1',
  'DiagnosticReport.result[0]': 'Observation/obs1',
  'DiagnosticReport.result[1]': 'Observation/obs2',
  'Provenance.target[0]': 'Observation/obs1',
  'Provenance.target[1]': 'DiagnosticReport/dr1',
  'Provenance.agent.who': 'Organization/org1',
};

/** The references planted above, by the keys of INSIDE, plus the external ones. */
function planted(byId: Map<string, Json>): Record<string, unknown> {
  const at = (typeId: string): Json => {
    const r = byId.get(typeId);
    if (r === undefined) throw new Error(`missing ${typeId}`);
    return r;
  };
  const ref = (v: unknown): unknown => (isJson(v) ? v.reference : undefined);
  const list = (v: unknown, i: number): unknown => (Array.isArray(v) ? ref(v[i]) : undefined);
  const obs1 = at('Observation/obs1');
  const obs2 = at('Observation/obs2');
  const dr = at('DiagnosticReport/dr1');
  const prov = at('Provenance/prov1');
  const enc = at('Encounter/enc1');
  const extension = Array.isArray(obs1.extension) ? obs1.extension[0] : undefined;
  const agent = Array.isArray(prov.agent) ? prov.agent[0] : undefined;
  return {
    'Encounter.subject': ref(enc.subject),
    'Encounter.serviceProvider': ref(enc.serviceProvider),
    'Observation/obs1.subject': ref(obs1.subject),
    'Observation/obs1.encounter': ref(obs1.encounter),
    'Observation/obs1.extension': isJson(extension) ? ref(extension.valueReference) : undefined,
    'Observation/obs2.subject': ref(obs2.subject),
    'DiagnosticReport.subject': ref(dr.subject),
    'DiagnosticReport.result[0]': list(dr.result, 0),
    'DiagnosticReport.result[1]': list(dr.result, 1),
    'Provenance.target[0]': list(prov.target, 0),
    'Provenance.target[1]': list(prov.target, 1),
    'Provenance.agent.who': isJson(agent) ? ref(agent.who) : undefined,
    // Outside the submission.
    'Observation/obs2.performer': list(obs2.performer, 0),
    'Observation/obs2.focus': list(obs2.focus, 0),
    'DiagnosticReport.result[2]': list(dr.result, 2),
  };
}

const EXTERNAL = ['Observation/obs2.performer', 'Observation/obs2.focus', 'DiagnosticReport.result[2]'];

/** Output resources in input order (all are kept), indexed by their input Type/id. */
function byInputId(input: readonly Json[], output: readonly Json[]): Map<string, Json> {
  expect(output.map((r) => r.resourceType)).toEqual(input.map((r) => r.resourceType));
  return new Map(input.map((r, i) => [`${String(r.resourceType)}/${String(r.id)}`, output[i] as Json]));
}

/** NDJSON: each reference inside is `Type/<the output id of its target>`; outside, visibly external. */
function expectNdjsonReferences(input: readonly Json[], output: readonly Json[]): void {
  const out = byInputId(input, output);
  const refs = planted(out);
  const outputIds = new Set(output.map((r) => `${String(r.resourceType)}/${String(r.id)}`));
  for (const [key, target] of Object.entries(INSIDE)) {
    const resource = out.get(target);
    expect(refs[key], key).toBe(`${target.split('/')[0]}/${String(resource?.id)}`);
    expect(outputIds.has(String(refs[key])), key).toBe(true);
  }
  for (const key of EXTERNAL) expectExternal(refs[key], key, outputIds);
}

function expectExternal(reference: unknown, key: string, outputIds: ReadonlySet<string>): void {
  expect(typeof reference, key).toBe('string');
  const value = String(reference);
  expect(value.startsWith(`${EXTERNAL_BASE}/`), `${key}: ${value}`).toBe(true);
  expect(value).not.toContain('zqx');
  // Not something that resolves to a resource of the output either.
  expect(outputIds.has(value.slice(EXTERNAL_BASE.length + 1)), key).toBe(false);
}

describe('references in NDJSON', () => {
  const engine = engineFor(contract());

  it('resolve to the pseudonymous id of the resource they name, in every form, across lines', () => {
    const input = resources();
    const submission = engine.collectSubmission(input);
    const output = input.map(
      (r) => engine.deidentifyResource(structuredClone(r), { submission }).output as Json,
    );
    expectNdjsonReferences(input, output);
    expect(checkReferentialIntegrity(output, input).failures).toEqual([]);
  });

  it('are the same patient for the date shift, whatever the form of the subject reference', () => {
    const input = resources();
    const submission = engine.collectSubmission(input);
    const out = input.map(
      (r) => engine.deidentifyResource(structuredClone(r), { submission }).output as Json,
    );
    // The Encounter (absolute subject), Observation (absolute) and DiagnosticReport (relative) all
    // took place on 2024-04-02: one patient, one shift, one day.
    const day = (v: unknown) => String(v).slice(0, 10);
    const encounter = out[2] as Json;
    const period = isJson(encounter.period) ? encounter.period : {};
    expect(day(period.start)).toBe(day((out[3] as Json).effectiveDateTime));
    expect(day((out[5] as Json).issued)).toBe(day((out[3] as Json).effectiveDateTime));
    expect(day((out[3] as Json).effectiveDateTime)).not.toBe('2024-04-02');
  });

  describe('across two files of one submission', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'deid-refs-'));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('resolve to resources of the other file', async () => {
      const input = resources();
      const first = input.slice(0, 2);
      const second = input.slice(2);
      const ndjson = (rs: Json[]) => `${rs.map((r) => JSON.stringify(r)).join('\n')}\n`;
      writeFileSync(join(dir, 'Patient.ndjson'), ndjson(first));
      writeFileSync(join(dir, 'Clinical.ndjson'), ndjson(second));
      const outDir = join(dir, 'out');
      await deidentifyFiles([join(dir, 'Patient.ndjson'), join(dir, 'Clinical.ndjson')], {
        contract: contract(),
        secret: SECRET,
        keyId: KEY_ID,
        referenceDate: REFERENCE_DATE,
        outDir,
      });
      const read = (name: string) => {
        const lines = readFileSync(join(outDir, name), 'utf8')
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line) as Json);
        // Each file's copy ends with the Provenance the pipeline adds, targeting that file's lines.
        const added = lines.pop();
        expect(added?.resourceType).toBe('Provenance');
        expect(added?.target).toEqual(
          lines.map((r) => ({ reference: `${String(r.resourceType)}/${String(r.id)}` })),
        );
        return lines;
      };
      const output = [...read('Patient.ndjson'), ...read('Clinical.ndjson')];
      expectNdjsonReferences(input, output);
    });
  });

  it('a urn:uuid reference names the line whose id is that UUID; an unknown one is not made relative', () => {
    const uuid = '6e1b0f2a-4c8d-4e5f-9a0b-1c2d3e4f5a6b';
    const input: Json[] = [
      { resourceType: 'Patient', id: uuid, gender: 'male' },
      {
        resourceType: 'Observation',
        id: 'o1',
        status: 'final',
        code,
        subject: { reference: `urn:uuid:${uuid.toUpperCase()}` },
        focus: [{ reference: 'urn:uuid:7f2c1a3b-5d9e-4f6a-8b1c-2d3e4f5a6b7c' }],
      },
    ];
    const submission = engine.collectSubmission(input);
    const [patient, obs] = input.map(
      (r) => engine.deidentifyResource(structuredClone(r), { submission }).output as Json,
    );
    expect(obs?.subject).toEqual({ reference: `Patient/${String(patient?.id)}` });
    const focus = Array.isArray(obs?.focus) && isJson(obs.focus[0]) ? obs.focus[0].reference : undefined;
    expect(String(focus)).toMatch(/^urn:uuid:/);
    expect(String(focus)).not.toContain('7f2c1a3b');
  });

  it('without a submission, a line alone: every other resource is outside it, visibly so', () => {
    const input = resources();
    // Its subject `Patient/p1/_history/4` is external, with the pseudonym Patient/p1 gets anywhere.
    const obs = engine.deidentifyResource(structuredClone(input[4])).output as Json;
    const patient = engine.deidentifyResource(structuredClone(input[0])).output as Json;
    expect(obs.subject).toEqual({ reference: `${EXTERNAL_BASE}/Patient/${String(patient.id)}` });
  });
});

describe('references in a Bundle', () => {
  const engine = engineFor(contract());

  const bundle = (fullUrl: (r: Json) => string): Json => ({
    resourceType: 'Bundle',
    type: 'collection',
    entry: resources().map((resource) => ({ fullUrl: fullUrl(resource), resource })),
  });

  /** Output reference of each planted place; inside ones must be their target entry's fullUrl. */
  function expectBundleReferences(input: Json): void {
    const output = engine.deidentifyBundle(structuredClone(input)).output;
    expect(checkReferentialIntegrity(output, input).failures).toEqual([]);
    const inEntries = (input.entry as Json[]).map((e) => e.resource as Json);
    const outEntries = output.entry as Json[];
    const out = byInputId(
      inEntries,
      outEntries.map((e) => e.resource as Json),
    );
    const fullUrls = new Map(
      inEntries.map((r, i) => [`${String(r.resourceType)}/${String(r.id)}`, outEntries[i]?.fullUrl]),
    );
    const refs = planted(out);
    for (const [key, target] of Object.entries(INSIDE)) {
      expect(refs[key], key).toBe(fullUrls.get(target));
      expect(String(refs[key])).toBe(`urn:uuid:${String(out.get(target)?.id)}`);
    }
    const outputIds = new Set(
      outEntries.map(
        (e) => `${String((e.resource as Json).resourceType)}/${String((e.resource as Json).id)}`,
      ),
    );
    for (const key of EXTERNAL) expectExternal(refs[key], key, outputIds);
  }

  it('entries on the partner base: absolute, relative and versioned references resolve to them', () => {
    expectBundleReferences(bundle((r) => `${PARTNER}/${String(r.resourceType)}/${String(r.id)}`));
  });

  it('urn:uuid entries: absolute references on the partner base resolve to them by type and id', () => {
    let n = 0;
    expectBundleReferences(bundle(() => `urn:uuid:00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`));
  });

  it('an absolute reference to another server is not the same-named entry of this Bundle', () => {
    const input = bundle((r) => `${PARTNER}/${String(r.resourceType)}/${String(r.id)}`);
    const obs = (input.entry as Json[])[3]?.resource as Json;
    obs.subject = { reference: `${OTHER}/Patient/p1` };
    const output = engine.deidentifyBundle(structuredClone(input)).output;
    const outEntries = output.entry as Json[];
    const observation = outEntries[3]?.resource;
    const subject =
      isJson(observation) && isJson(observation.subject) ? observation.subject.reference : undefined;
    const patientUrl = outEntries[0]?.fullUrl;
    expect(subject).not.toBe(patientUrl);
    expect(String(subject).startsWith(`${EXTERNAL_BASE}/Patient/`)).toBe(true);
    expect(checkReferentialIntegrity(output, input).failures).toEqual([]);
  });
});
