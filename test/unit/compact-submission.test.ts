import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { CompactSubmission } from '../../shared/app/bulk/compact-submission.js';
import { Submission } from '../../shared/core/deid/references.js';

it('answers has and uuidTarget exactly as Submission does', () => {
  const uuids = Array.from({ length: 400 }, () => randomUUID());
  const resources: unknown[] = [];
  for (const [i, id] of uuids.entries()) {
    const type = ['Patient', 'Observation', 'Encounter'][i % 3];
    resources.push({ resourceType: type, id: i % 17 === 0 ? id.toUpperCase() : id });
    // The same UUID under a second type, and again under the same type: ambiguous, then not.
    if (i % 29 === 0) resources.push({ resourceType: 'Condition', id });
    if (i % 31 === 0) resources.push({ resourceType: type, id });
  }
  resources.push(
    { resourceType: 'Patient', id: 'plain-id.1' },
    { resourceType: 'Bundle', id: uuids[5] },
    'x',
    null,
    {
      resourceType: 'Patient',
      id: 'bad id',
    },
  );
  const real = new Submission(resources);
  const compact = new CompactSubmission();
  for (const r of resources) compact.add(r);
  const probes = [
    ...uuids.flatMap((id) => [`urn:uuid:${id}`, `urn:uuid:${id.toUpperCase()}`]),
    `urn:uuid:${randomUUID()}`,
  ];
  for (const urn of probes) expect(compact.uuidTarget(urn)).toBe(real.uuidTarget(urn));
  const typeIds = [
    ...uuids.flatMap((id) =>
      ['Patient', 'Observation', 'Encounter', 'Condition', 'Bundle'].map((t) => `${t}/${id}`),
    ),
    ...uuids.map((id) => `Patient/${id.toUpperCase()}`),
    'Patient/plain-id.1',
    'Patient/bad id',
  ];
  for (const typeId of typeIds) expect(compact.has(typeId)).toBe(real.has(typeId));
  expect(typeIds.filter((t) => real.has(t)).length).toBeGreaterThan(300);
});
