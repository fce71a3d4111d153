import { describe, expect, it } from 'vitest';
import { parseContract } from '../../../shared/core/deid/contract.js';
import { PhiContext } from '../../../shared/core/deid/scrubber.js';
import { engineFor, entries, type Json } from './support/deid-fixtures.js';

/**
 * The class "a kept display repeats an identifying value the record holds elsewhere": every display,
 * text and kept string is compared against all of the record's identifying values (the patient's and
 * relatives' names, addresses, identifiers, the names of organisations tied to the patient), not only
 * against the patient's own name.
 */

const EMPLOYER = 'Quillfeather Robotics Inc';
const EMPLOYER_URL = 'urn:uuid:6b0c8f0e-1b7d-4c51-9a44-0e4b1f7a2c10';

const patient = (contact: Json[] = []): Json => ({
  resourceType: 'Patient',
  id: 'pat-1',
  identifier: [{ system: 'http://hospital.example.org/mrn', value: 'MRN7731' }],
  name: [{ family: 'Abernathy', given: ['Rosalind'] }],
  gender: 'female',
  birthDate: '1970-06-01',
  address: [{ line: ['1288 Wexcombe Lane'], city: 'Hollisfield', state: 'MA', postalCode: '01742' }],
  contact,
});

const employerContact: Json = {
  relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'E' }] }],
  organization: { reference: EMPLOYER_URL },
};

const employer: Json = {
  resourceType: 'Organization',
  id: 'emp-1',
  name: EMPLOYER,
  address: [{ line: ['9 Foundry Road'], city: 'Marlow', state: 'MA' }],
};

const provider: Json = { resourceType: 'Organization', id: 'prov-1', name: 'General Hospital' };

const relative: Json = {
  resourceType: 'RelatedPerson',
  id: 'rel-1',
  patient: { reference: 'Patient/pat-1' },
  name: [{ family: 'Thistlewood', given: ['Barnaby'] }],
};

const LOCAL = 'http://hospital.example.org/codes';

const observation = (id: string, extra: Json): Json => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  subject: { reference: 'Patient/pat-1' },
  code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }] },
  ...extra,
});

const bundleOf = (resources: Json[], fullUrls: Record<number, string> = {}): Json => ({
  resourceType: 'Bundle',
  type: 'collection',
  entry: resources.map((resource, i) => ({
    fullUrl: fullUrls[i] ?? `urn:uuid:00000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`,
    resource,
  })),
});

const displays = (value: unknown, out: string[] = []): string[] => {
  if (Array.isArray(value)) for (const item of value) displays(item, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if ((key === 'display' || key === 'text' || key === 'unit') && typeof child === 'string')
        out.push(child);
      else displays(child, out);
    }
  }
  return out;
};

const deid = (
  contract: Parameters<typeof engineFor>[0],
  resources: Json[],
  urls?: Record<number, string>,
) => {
  const result = engineFor(contract).deidentifyBundle(bundleOf(resources, urls));
  return result.output as Json;
};

describe('kept displays against every identifying value of the record', () => {
  it('drops an Observation code display that repeats the employer named by a Patient contact', () => {
    const obs = observation('o1', {
      code: { coding: [{ system: LOCAL, code: 'OCC-1', display: `Works at ${EMPLOYER} (night shift)` }] },
    });
    // The Organization comes after the Patient that ties it and the Observation that repeats it.
    const out = deid('safe-harbor', [patient([employerContact]), obs, employer], { 2: EMPLOYER_URL });
    const text = JSON.stringify(out);
    expect(text).not.toMatch(/quillfeather/i);
    const kept = entries(out)[1]?.resource as Json;
    expect(kept.code).toEqual({ coding: [{ system: LOCAL, code: 'OCC-1' }] });
  });

  it('matches the employer without its legal form, in any case, and by Organization/id', () => {
    const obs = observation('o1', {
      valueCodeableConcept: {
        coding: [{ system: LOCAL, code: 'E1', display: 'exposure at QUILLFEATHER ROBOTICS plant' }],
      },
    });
    const contact = { ...employerContact, organization: { reference: 'Organization/emp-1' } };
    const out = deid('safe-harbor', [employer, patient([contact]), obs]);
    expect(JSON.stringify(out)).not.toMatch(/quillfeather/i);
  });

  it('drops a Condition.code.text that repeats the employer (a display-like text)', () => {
    const condition: Json = {
      resourceType: 'Condition',
      id: 'c1',
      subject: { reference: 'Patient/pat-1' },
      code: {
        coding: [{ system: LOCAL, code: 'INJ', display: `Injury at ${EMPLOYER}` }],
        text: `Injury at ${EMPLOYER}`,
      },
    };
    const out = deid('safe-harbor', [patient([employerContact]), employer, condition], { 1: EMPLOYER_URL });
    expect(JSON.stringify(out)).not.toMatch(/quillfeather/i);
    const kept = entries(out)[2]?.resource as Json;
    expect(kept.code).toEqual({ coding: [{ system: LOCAL, code: 'INJ' }] });
  });

  it('drops a valueCodeableConcept display that names a relative (RelatedPerson)', () => {
    const obs = observation('o2', {
      valueCodeableConcept: {
        coding: [{ system: LOCAL, code: 'CG', display: 'Primary caregiver: Barnaby Thistlewood' }],
      },
    });
    const out = deid('safe-harbor', [patient(), relative, obs]);
    expect(JSON.stringify(out)).not.toMatch(/thistlewood|barnaby/i);
  });

  it('drops a display of a local code system that holds one of the record’s identifiers', () => {
    const obs = observation('o3', {
      code: { coding: [{ system: LOCAL, code: 'X1', display: 'Panel for MRN7731' }] },
    });
    const out = deid('safe-harbor', [patient(), obs]);
    expect(JSON.stringify(out)).not.toContain('MRN7731');
  });

  it('drops a unit that repeats an address line, and scrubs the employer and its address from kept notes', () => {
    const obs = observation('o4', {
      valueQuantity: { value: 3, unit: '1288 Wexcombe Lane' },
    });
    const procedure: Json = {
      resourceType: 'Procedure',
      id: 'p1',
      status: 'completed',
      subject: { reference: 'Patient/pat-1' },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '80146002', display: 'Appendectomy' }] },
      note: [{ text: `Collapsed at Quillfeather Robotics, 9 Foundry Road; seen at General Hospital.` }],
    };
    const contract = parseContract(
      { schemaVersion: 1, name: 'sh-scrub', version: '1.0.0', extends: 'safe-harbor', freeText: 'scrub' },
      'test',
    );
    const out = deid(contract, [patient([employerContact]), employer, obs, procedure], { 1: EMPLOYER_URL });
    const text = JSON.stringify(out);
    expect(text).not.toMatch(/quillfeather|wexcombe|foundry/i);
    const note = displays(entries(out)[3]?.resource);
    // A provider is not the individual's: its name stays in the note.
    expect(note.join(' ')).toContain('General Hospital');
  });

  it('ties the employer through an employer extension, a contained Organization, a reference display and a Coverage policy holder', () => {
    const odh: Json = {
      resourceType: 'Observation',
      id: 'job',
      status: 'final',
      subject: { reference: 'Patient/pat-1' },
      contained: [{ resourceType: 'Organization', id: 'org', name: 'Brightwater Salvage' }],
      extension: [
        {
          url: 'http://hl7.org/fhir/us/odh/StructureDefinition/odh-Employer-extension',
          valueReference: { reference: '#org' },
        },
      ],
      code: { coding: [{ system: 'http://loinc.org', code: '11341-5', display: 'History of Occupation' }] },
      valueCodeableConcept: { coding: [{ system: LOCAL, code: 'J', display: 'Diver, Brightwater Salvage' }] },
    };
    const coverage: Json = {
      resourceType: 'Coverage',
      id: 'cov',
      status: 'active',
      beneficiary: { reference: 'Patient/pat-1' },
      policyHolder: { reference: 'Organization/grp' },
      payor: [{ reference: 'Organization/payer' }],
      type: { coding: [{ system: LOCAL, code: 'G', display: 'Group plan of Halvorsen Tannery' }] },
    };
    const group: Json = { resourceType: 'Organization', id: 'grp', name: 'Halvorsen Tannery' };
    const payer: Json = { resourceType: 'Organization', id: 'payer', name: 'Blue Cross' };
    const contact: Json = { organization: { display: 'Marchetti Bakery' } };
    const bakery = observation('o5', {
      code: { coding: [{ system: LOCAL, code: 'B', display: 'Flour exposure at Marchetti Bakery' }] },
      valueCodeableConcept: { coding: [{ system: LOCAL, code: 'P', display: 'Blue Cross plan' }] },
    });
    const out = deid('safe-harbor', [patient([contact]), odh, coverage, group, payer, bakery]);
    const text = JSON.stringify(out);
    expect(text).not.toMatch(/brightwater|halvorsen|marchetti/i);
    // A payor is not tied to the individual: its name in a display is clinical context, kept.
    expect(text).toContain('Blue Cross plan');
  });

  it('keeps displays that merely share a word with an organisation, and ignores provider organisations', () => {
    const general: Json = { resourceType: 'Organization', id: 'gen', name: 'General' };
    const contact = { ...employerContact, organization: { reference: 'Organization/gen' } };
    const obs = observation('o6', {
      code: { coding: [{ system: LOCAL, code: 'G1', display: 'General health status' }] },
      performer: [{ reference: 'Organization/prov-1' }],
      valueCodeableConcept: { coding: [{ system: LOCAL, code: 'G2', display: 'Seen at General Hospital' }] },
    });
    const out = deid('safe-harbor', [patient([contact]), general, provider, obs]);
    const text = JSON.stringify(out);
    // "General" (seven letters) is the whole employer name, so a display holding it goes: the rule is
    // the whole name as a phrase. A provider's name is not identifying and the insurer contact is not tied.
    expect(text).not.toContain('General health status');
    const insurer = {
      relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'I' }] }],
      organization: { reference: 'Organization/prov-1' },
    };
    const kept = JSON.stringify(deid('safe-harbor', [patient([insurer]), provider, obs]));
    expect(kept).toContain('Seen at General Hospital');
    expect(kept).toContain('General health status');
  });
});

describe('kept displays in NDJSON, with the identifiers of the other lines', () => {
  it('drops the employer from a display when the Patient and the Organization are other lines', () => {
    const engine = engineFor('safe-harbor');
    const contact = { ...employerContact, organization: { reference: 'Organization/emp-1' } };
    const obs = observation('o7', {
      code: { coding: [{ system: LOCAL, code: 'OCC-1', display: `Works at ${EMPLOYER}` }] },
    });
    const lines = [obs, employer, patient([contact])];
    const context = engine.collectContext(lines.map((line) => structuredClone(line)));
    const out = engine.deidentifyResource(structuredClone(obs), { context }).output as Json;
    expect(out.code).toEqual({ coding: [{ system: LOCAL, code: 'OCC-1' }] });
    const kept = engine.deidentifyResource(
      observation('o8', {
        code: { coding: [{ system: LOCAL, code: 'OCC-2', display: 'Robotics technician' }] },
      }),
      { context },
    ).output as Json;
    expect(JSON.stringify(kept)).toContain('Robotics technician');
  });
});

describe('PhiContext organisations', () => {
  it('matches an organisation only as its whole name, of four letters or more', () => {
    const context = new PhiContext();
    context.noteOrganization(['Organization/a'], ['Acme Widgets, Inc.']);
    expect(context.find('Acme Widgets plant')).toEqual([]);
    context.tieOrganization('https://server.example/fhir/Organization/a/_history/2');
    expect(context.find('injury at acme widgets plant')).toEqual([[10, 22]]);
    expect(context.find('acme tools')).toEqual([]);
    context.addOrganization('IBM');
    expect(context.find('IBM')).toEqual([]);
  });

  it('resolves a tie made in one line against an organisation noted in another (NDJSON)', () => {
    const parent = new PhiContext();
    parent.noteOrganization(['Organization/b'], ['Northgate Mills']);
    const child = new PhiContext(parent);
    child.tieOrganization('Organization/b');
    expect(child.find('worked at Northgate Mills')).toHaveLength(1);
    const tiedParent = new PhiContext();
    tiedParent.tieOrganization('Organization/c');
    const line = new PhiContext(tiedParent);
    line.noteOrganization(['Organization/c'], ['Eastbrook Dairy']);
    expect(line.find('Eastbrook Dairy')).toHaveLength(1);
  });
});
