import { randomUUID } from 'node:crypto';

/**
 * A valid FHIR R4 transaction Bundle of about `targetBytes`: one Patient and as many Observations as
 * it takes. Synthetic data only; `tag` makes every body distinct so each request is a new submission.
 */
export function syntheticBundle(targetBytes: number, tag: string): Buffer {
  const patientUrl = `urn:uuid:${randomUUID()}`;
  const entry: unknown[] = [
    {
      fullUrl: patientUrl,
      resource: {
        resourceType: 'Patient',
        identifier: [{ system: 'urn:example:mrn', value: `bench-${tag}` }],
        name: [{ family: 'Bench', given: ['Synthetic'] }],
        gender: 'unknown',
        birthDate: '1970-01-01',
      },
      request: { method: 'POST', url: 'Patient' },
    },
  ];
  const bundle = { resourceType: 'Bundle', type: 'transaction', entry };
  let size = JSON.stringify(bundle).length;
  let i = 0;
  while (size < targetBytes) {
    const obs = {
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: {
        resourceType: 'Observation',
        status: 'final',
        category: [
          {
            coding: [
              { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
            ],
          },
        ],
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
        subject: { reference: patientUrl },
        effectiveDateTime: `2024-01-${String((i % 28) + 1).padStart(2, '0')}T08:00:00Z`,
        valueQuantity: {
          value: 60 + (i % 40),
          unit: '/min',
          system: 'http://unitsofmeasure.org',
          code: '/min',
        },
      },
      request: { method: 'POST', url: 'Observation' },
    };
    entry.push(obs);
    size += JSON.stringify(obs).length + 1;
    i += 1;
  }
  return Buffer.from(JSON.stringify(bundle));
}
