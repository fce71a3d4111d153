/**
 * validateResource: one resource of a declared type (an NDJSON line) under exactly the rules of a
 * resource inside a submitted Bundle, refused with the element named from the resource.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isPipelineError } from '../../shared/core/errors.js';
import { validateBundle } from '../../shared/core/fhir/validate-bundle.js';
import { isFhirResourceType, validateResource } from '../../shared/core/fhir/validate-resource.js';

type Json = Record<string, unknown>;
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SYNTHEA = path.resolve(
  REPO_ROOT,
  '../shared/corpus/fhir/synthea-ms-anonymizer/Carolee951_Sanford861_d88f994a-5efa-421d-9c40-5f116d2114a6.json',
);

function refusal(run: () => unknown): { code: string; message: string; details: unknown } {
  try {
    run();
  } catch (error) {
    if (!isPipelineError(error)) throw error;
    return { code: error.code, message: error.message, details: error.details };
  }
  throw new Error('accepted');
}

const patient = (extra: Json = {}): Json => ({
  resourceType: 'Patient',
  gender: 'female',
  birthDate: '1990-01-01',
  ...extra,
});

describe('Function: validateResource', () => {
  it('accepts a valid resource of the declared type', () => {
    expect(validateResource(patient(), 'Patient')).toEqual({ resourceType: 'Patient' });
    const observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      valueQuantity: { value: 60, unit: '/min' },
    };
    expect(validateResource(observation, 'Observation')).toEqual({ resourceType: 'Observation' });
  });

  it('knows the R4 resource types and nothing else', () => {
    expect(isFhirResourceType('Patient')).toBe(true);
    expect(isFhirResourceType('MedicationRequest')).toBe(true);
    for (const name of ['HumanName', 'patient', 'NoSuchType', '', 'Patient ', '__proto__']) {
      expect(isFhirResourceType(name), name).toBe(false);
    }
  });

  it('refuses a declared type that is not an R4 resource type, without quoting it', () => {
    const refused = refusal(() => validateResource(patient(), 'CANARY-Type'));
    expect(refused.code).toBe('invalid-fhir');
    expect(JSON.stringify(refused)).not.toContain('CANARY');
  });

  it('refuses a line that is not an object, or of another type than declared', () => {
    for (const value of [null, 'Patient', 12, [patient()]]) {
      expect(refusal(() => validateResource(value, 'Patient')).details).toEqual({ expression: 'Patient' });
    }
    expect(refusal(() => validateResource(patient(), 'Observation')).details).toEqual({
      expression: 'Observation.resourceType',
    });
    expect(refusal(() => validateResource({ gender: 'female' }, 'Patient')).details).toEqual({
      expression: 'Patient.resourceType',
    });
  });

  it('names the element from the resource', () => {
    expect(refusal(() => validateResource(patient({ gender: 'GENDER-Q7' }), 'Patient')).details).toEqual({
      expression: 'Patient.gender',
    });
    const unknown = refusal(() => validateResource(patient({ 'CANARY-key': 'x' }), 'Patient'));
    expect(unknown.details).toMatchObject({ expression: 'Patient', unknownElement: true });
    expect(unknown.message).not.toContain('Bundle');
    expect(refusal(() => validateResource(patient({ id: 'bad id' }), 'Patient')).details).toEqual({
      expression: 'Patient.id',
    });
    const observation = { resourceType: 'Observation', code: { text: 'x' } };
    expect(refusal(() => validateResource(observation, 'Observation')).details).toMatchObject({
      expression: 'Observation.status',
    });
  });

  it.skipIf(!existsSync(SYNTHEA))(
    'gives every entry of a Bundle the verdict it gets inside the Bundle',
    () => {
      const bundle = JSON.parse(readFileSync(SYNTHEA, 'utf8')) as { entry: { resource: Json }[] };
      const seen = new Set<string>();
      let compared = 0;
      for (const { resource } of bundle.entry) {
        const type = String(resource.resourceType);
        if (seen.has(type)) continue;
        seen.add(type);
        // As is (accepted), and broken in ways the Bundle refuses.
        const variants: Json[] = [
          resource,
          { ...resource, extension: [{ url: 'http://example.org/x' }] },
          { ...resource, text: { status: 'generated', div: '<div><script>x</script></div>' } },
          { ...resource, meta: { profile: ['x'.repeat(20_000)] } },
          { ...resource, id: 'not an id' },
        ];
        for (const variant of variants) {
          const inBundle = (() => {
            try {
              validateBundle({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: variant }] });
              return 'accepted';
            } catch (error) {
              return isPipelineError(error) ? String(error.details?.expression) : 'thrown';
            }
          })();
          const alone = (() => {
            try {
              validateResource(variant, type);
              return 'accepted';
            } catch (error) {
              return isPipelineError(error) ? String(error.details?.expression) : 'thrown';
            }
          })();
          expect(alone).toBe(
            inBundle === 'accepted' ? 'accepted' : inBundle.replace('Bundle.entry[0].resource', type),
          );
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(20);
    },
  );
});
