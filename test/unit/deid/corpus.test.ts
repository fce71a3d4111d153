import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  codings,
  corpusBundles,
  engineFor,
  entries,
  isJson,
  type Json,
  r4Errors,
  references,
} from './support/deid-fixtures.js';

/**
 * The shared Synthea and HL7 example corpus through the built-in profiles: valid R4 out, every
 * reference that resolved in the Bundle still resolving, clinical codes kept, the patients' own
 * identifiers gone. Skipped where the corpus is not installed.
 */
const files = corpusBundles();
const synthea = files.filter((f) => f.includes('synthea')).slice(0, 4);
const CLINICAL = new Set([
  'Condition',
  'Observation',
  'Procedure',
  'MedicationRequest',
  'Immunization',
  'DiagnosticReport',
  'Encounter',
  'AllergyIntolerance',
  'CarePlan',
  'Goal',
  'Claim',
  'ExplanationOfBenefit',
  'ImagingStudy',
  'Device',
  'CareTeam',
]);

/** The patients' own identifying strings, as a leak oracle independent of the engine. */
function patientIdentifiers(bundle: Json): string[] {
  const found = new Set<string>();
  for (const e of entries(bundle)) {
    const r = e.resource;
    if (!isJson(r) || r.resourceType !== 'Patient') continue;
    if (typeof r.id === 'string') found.add(r.id);
    if (typeof r.birthDate === 'string') found.add(r.birthDate);
    const text = JSON.stringify(r);
    for (const m of text.matchAll(/"(?:family|city|value)":"([^"]{4,})"/g))
      if (m[1] !== undefined) found.add(m[1]);
    for (const m of text.matchAll(/"(?:given|line)":\["([^"]{4,})"/g))
      if (m[1] !== undefined) found.add(m[1]);
  }
  return [...found];
}

/** Entry index each resolvable reference points to: urn:uuid and Type/id forms. */
function resolvable(bundle: Json): Set<string> {
  const targets = new Set<string>();
  for (const e of entries(bundle)) {
    if (typeof e.fullUrl === 'string') targets.add(e.fullUrl);
    const r = e.resource;
    if (isJson(r) && typeof r.id === 'string') targets.add(`${String(r.resourceType)}/${r.id}`);
  }
  return targets;
}

describe.skipIf(synthea.length === 0)('Synthea bundles under safe-harbor', () => {
  const engine = engineFor('safe-harbor');
  it.each(synthea.map((f) => [basename(f), f]))('%s', (_name, file) => {
    const input = JSON.parse(readFileSync(file, 'utf8')) as Json;
    const { output, report } = engine.deidentifyBundle(structuredClone(input));
    expect(r4Errors(output)).toEqual([]);

    const before = resolvable(input);
    const after = resolvable(output);
    const resolvedBefore = references(entries(input).map((e) => e.resource)).filter((r) =>
      before.has(r),
    ).length;
    const refsAfter = references(entries(output).map((e) => e.resource));
    expect(refsAfter.filter((r) => r.startsWith('urn:uuid:') && !after.has(r))).toEqual([]);
    expect(refsAfter.filter((r) => after.has(r)).length).toBeGreaterThanOrEqual(resolvedBefore);

    const codesIn = entries(input).flatMap((e) =>
      CLINICAL.has(String(e.resource && (e.resource as Json).resourceType)) ? codings(e.resource) : [],
    );
    const codesOut = entries(output).flatMap((e) =>
      CLINICAL.has(String(e.resource && (e.resource as Json).resourceType)) ? codings(e.resource) : [],
    );
    expect(codesOut.length / codesIn.length).toBeGreaterThanOrEqual(0.95);

    const text = JSON.stringify(output).toLowerCase();
    for (const value of patientIdentifiers(input)) expect(text).not.toContain(value.toLowerCase());
    expect(JSON.stringify(report)).not.toContain(String(patientIdentifiers(input)[0]));
    expect(JSON.stringify(engine.deidentifyBundle(structuredClone(input)).output)).toBe(
      JSON.stringify(output),
    );
  });
});

describe.skipIf(files.length === 0)('the whole corpus', () => {
  it.each(['safe-harbor', 'limited-data-set'])(
    'is valid R4 under %s and keeps at least 95 percent of clinical codes',
    (profile) => {
      const engine = engineFor(profile);
      let codesIn = 0;
      let codesOut = 0;
      const invalid: string[] = [];
      for (const file of files) {
        const input = JSON.parse(readFileSync(file, 'utf8')) as Json;
        if (input.resourceType !== 'Bundle') continue;
        const { output } = engine.deidentifyBundle(structuredClone(input));
        if (r4Errors(output).length > 0) invalid.push(basename(file));
        for (const e of entries(input))
          if (CLINICAL.has(String(isJson(e.resource) && e.resource.resourceType)))
            codesIn += codings(e.resource).length;
        for (const e of entries(output))
          if (CLINICAL.has(String(isJson(e.resource) && e.resource.resourceType)))
            codesOut += codings(e.resource).length;
      }
      expect(invalid).toEqual([]);
      expect(codesOut / codesIn).toBeGreaterThanOrEqual(0.95);
    },
  );
});
