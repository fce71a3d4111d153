import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isResourceType, typeDef } from '../../../shared/core/deid/model.js';
import { REPO } from './support/deid-fixtures.js';
import { buildFhirModel } from './support/generate-fhir-model.mjs';

describe('FHIR R4 element table', () => {
  it('is what the generator builds from the installed R4 definitions (regenerate with --write)', () => {
    const committed: unknown = JSON.parse(
      readFileSync(join(REPO, 'shared/core/deid/data/fhir-r4-model.json'), 'utf8'),
    );
    expect(committed).toEqual(buildFhirModel());
  });

  it('knows R4 resource types, choice elements, backbone elements and cardinality', () => {
    expect(isResourceType('Patient')).toBe(true);
    expect(isResourceType('SubscriptionStatus')).toBe(false);
    expect(isResourceType('Bundle')).toBe(true);
    const observation = typeDef('Observation');
    expect(observation?.elements.get('valueQuantity')).toMatchObject({
      name: 'value',
      type: 'Quantity',
      repeats: false,
    });
    expect(observation?.elements.get('component')).toMatchObject({
      type: 'Observation.component',
      repeats: true,
    });
    expect(observation?.required.map((d) => d.name).sort()).toEqual(['code', 'status']);
    expect(typeDef('Questionnaire.item')?.elements.get('item')?.type).toBe('Questionnaire.item');
    // Medplum's own additions to R4 types are not R4.
    expect(typeDef('Meta')?.elements.has('project')).toBe(false);
  });
});
