import { describe, expect, it } from 'vitest';
import { Rng } from '../../helpers/phi-planter/random.js';
import { engineFor, type Json } from './support/deid-fixtures.js';

/**
 * Property: identifying values the record holds (the patient's, a relative's and a contact's names,
 * the employer's name, street, city, MRN, SSN, phone, e-mail), planted at random human-readable string
 * positions (displays, texts, units, string values, notes) of random resources, never survive Safe
 * Harbor. Seeded and bounded: the same trials on every run, in well under a second each.
 */

const TRIALS = 500;
const PLANTS_PER_TRIAL = 3;
const SEED = 20_261_203;

interface Random {
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  word(): string;
  digits(n: number): string;
}

/** The planter's seeded stream, with pronounceable words that are no clinical term ("Vabiroke"). */
function random(seed: number): Random {
  const r = new Rng(seed);
  const int = (min: number, max: number) => r.int(min, max);
  const pick = <T>(items: readonly T[]): T => r.pick(items);
  return {
    int,
    pick,
    word: () => {
      let w = pick(['V', 'K', 'Z', 'Qu', 'Br', 'Th', 'Gl']);
      for (let i = 0, n = int(2, 3); i < n; i++) w += pick([...'aeiou']) + pick([...'bdfgklmnprstvz']);
      return w;
    },
    digits: (n) => Array.from({ length: n }, () => String(int(0, 9))).join(''),
  };
}

/** Keys whose string values are human-readable text the walk may keep (checked) or drop. */
const TEXT_KEYS: ReadonlySet<string> = new Set([
  'display',
  'text',
  'valueString',
  'unit',
  'comment',
  'description',
  'patientInstruction',
]);

interface PlantedRecord {
  bundle: Json;
  values: string[];
}

function record(r: Random): PlantedRecord {
  const given = r.word();
  const family = r.word();
  const relativeGiven = r.word();
  const relativeFamily = r.word();
  const contactFamily = r.word();
  const employer = `${r.word()} ${r.pick(['Logistics', 'Bakery', 'Tannery', 'Robotics', 'Mills'])}`;
  const street = `${r.int(10, 9999)} ${r.word()} ${r.pick(['Street', 'Lane', 'Road', 'Avenue'])}`;
  const city = r.word();
  const mrn = `M${r.digits(7)}`;
  const ssn = `${r.int(100, 665)}-${r.digits(2)}-${r.digits(4)}`;
  const phone = `${r.int(201, 989)}-555-${r.digits(4)}`;
  const email = `${given.toLowerCase()}.${family.toLowerCase()}@example.org`;
  const local = 'http://hospital.example.org/codes';
  const patient: Json = {
    resourceType: 'Patient',
    id: 'pat',
    identifier: [
      { system: 'http://hospital.example.org/mrn', value: mrn },
      { system: 'http://hl7.org/fhir/sid/us-ssn', value: ssn },
    ],
    name: [{ family, given: [given] }],
    telecom: [
      { system: 'phone', value: phone },
      { system: 'email', value: email },
    ],
    gender: 'female',
    birthDate: '1968-04-02',
    address: [{ line: [street], city, state: 'MA', postalCode: '02139' }],
    maritalStatus: { coding: [{ system: local, code: 'M', display: 'Married' }], text: 'Married' },
    contact: [
      {
        relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'E' }] }],
        organization: { reference: 'Organization/emp' },
      },
      { name: { family: contactFamily, given: [r.word()] } },
    ],
  };
  const organization: Json = { resourceType: 'Organization', id: 'emp', name: employer };
  const relative: Json = {
    resourceType: 'RelatedPerson',
    id: 'rel',
    patient: { reference: 'Patient/pat' },
    relationship: [{ coding: [{ system: local, code: 'SIS', display: 'Sister' }], text: 'Sister' }],
    name: [{ family: relativeFamily, given: [relativeGiven] }],
  };
  const subject = { reference: 'Patient/pat' };
  const concept = (code: string, display: string): Json => ({
    coding: [{ system: local, code, display }],
    text: display,
  });
  const clinical: Json[] = [
    {
      resourceType: 'Observation',
      id: 'obs',
      status: 'final',
      category: [concept('SH', 'Social history')],
      code: concept('OCC', 'Occupation'),
      subject,
      valueCodeableConcept: concept('J', 'Machine operator'),
      component: [
        { code: concept('HRS', 'Hours per week'), valueQuantity: { value: 40, unit: 'hours per week' } },
        { code: concept('NOTE', 'Remark'), valueString: 'Day shift' },
      ],
      note: [{ text: 'Stable' }],
    },
    {
      resourceType: 'Condition',
      id: 'cond',
      subject,
      clinicalStatus: concept('active', 'Active'),
      code: concept('INJ', 'Injury of wrist'),
      bodySite: [concept('WR', 'Left wrist')],
      note: [{ text: 'Fell at work' }],
    },
    {
      resourceType: 'Procedure',
      id: 'proc',
      status: 'completed',
      subject,
      code: concept('RED', 'Closed reduction'),
      reasonCode: [concept('FX', 'Fracture')],
      outcome: concept('OK', 'Healed'),
    },
    {
      resourceType: 'MedicationRequest',
      id: 'med',
      status: 'active',
      intent: 'order',
      subject,
      medicationCodeableConcept: concept('IBU', 'Ibuprofen 400 MG Oral Tablet'),
      dosageInstruction: [
        {
          text: 'One tablet twice a day',
          patientInstruction: 'Take with food',
          doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
        },
      ],
    },
    {
      resourceType: 'Encounter',
      id: 'enc',
      status: 'finished',
      class: {
        system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
        code: 'AMB',
        display: 'ambulatory',
      },
      subject,
      type: [concept('ER', 'Emergency visit')],
      reasonCode: [concept('FALL', 'Fall')],
    },
    {
      resourceType: 'DiagnosticReport',
      id: 'rep',
      status: 'final',
      subject,
      code: concept('XR', 'Wrist X-ray'),
      conclusion: 'No displacement',
      conclusionCode: [concept('ND', 'No displacement')],
    },
  ];
  const resources = [patient, organization, relative, ...clinical];
  return {
    bundle: {
      resourceType: 'Bundle',
      type: 'collection',
      entry: resources.map((resource) => ({
        fullUrl: `http://example.org/fhir/${String(resource.resourceType)}/${String(resource.id)}`,
        resource,
      })),
    },
    values: [
      given,
      family,
      relativeGiven,
      relativeFamily,
      contactFamily,
      employer,
      street,
      city,
      mrn,
      ssn,
      phone,
      email,
    ],
  };
}

/** Every text position of a resource: the object holding it and the key. */
function positions(value: unknown, out: [Json, string][] = []): [Json, string][] {
  if (Array.isArray(value)) for (const item of value) positions(item, out);
  else if (typeof value === 'object' && value !== null) {
    const node = value as Json;
    for (const [key, child] of Object.entries(node)) {
      if (TEXT_KEYS.has(key) && typeof child === 'string') out.push([node, key]);
      else positions(child, out);
    }
  }
  return out;
}

const spellings = (value: string, r: Random): string =>
  r.pick([value, value.toUpperCase(), value.toLowerCase(), value.replace(/ /g, '  ')]);

describe('Safe Harbor property: planted identifying values never survive', () => {
  it(`${TRIALS} seeded trials, ${PLANTS_PER_TRIAL} plants each, across resources and text positions`, () => {
    const engine = engineFor('safe-harbor');
    const r = random(SEED);
    const failures: string[] = [];
    let planted = 0;
    let kept = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const { bundle, values } = record(r);
      const entries = bundle.entry as { resource: Json }[];
      const plants: { value: string; at: string }[] = [];
      for (let k = 0; k < PLANTS_PER_TRIAL; k++) {
        const resource = r.pick(entries).resource;
        const slots = positions(resource);
        if (slots.length === 0) continue;
        const [holder, key] = r.pick(slots);
        const value = r.pick(values);
        const written = spellings(value, r);
        const before = String(holder[key]);
        holder[key] = r.pick([
          written,
          `${before} ${written}`,
          `${written}, ${before}`,
          `${before} (${written})`,
          `${before}: ${written}.`,
        ]);
        plants.push({ value, at: `${String(resource.resourceType)}.${key}` });
        planted++;
      }
      const output = JSON.stringify(engine.deidentifyBundle(bundle).output)
        .toLowerCase()
        .replace(/\s+/g, ' ');
      // Utility: displays with no identifying value in them are still kept.
      if (output.includes('ibuprofen 400 mg oral tablet')) kept++;
      for (const { value, at } of plants) {
        if (output.includes(value.toLowerCase().replace(/\s+/g, ' '))) {
          failures.push(`trial ${trial}: "${value}" planted at ${at} survived`);
        }
      }
    }
    expect(planted).toBeGreaterThan(TRIALS * PLANTS_PER_TRIAL * 0.9);
    expect(failures).toEqual([]);
    expect(kept).toBeGreaterThan(TRIALS / 2);
  });
});
