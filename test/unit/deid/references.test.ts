import { describe, expect, it } from 'vitest';
import { Pseudonyms } from '../../../shared/core/deid/pseudonyms.js';
import { EXTERNAL_BASE, ReferenceMap, Submission } from '../../../shared/core/deid/references.js';
import { KEY_ID, SECRET } from './support/deid-fixtures.js';

/** The reference side computes the pseudonym the target's id gets, whatever form the reference takes. */
const pseudo = new Pseudonyms(SECRET, KEY_ID, 'references-test');
const id = (typeId: string) => pseudo.resourceUuid(typeId);
const allowAll = () => true;

describe('ReferenceMap outside a Bundle (NDJSON)', () => {
  const submission = new Submission([
    { resourceType: 'Patient', id: 'p1' },
    { resourceType: 'Observation', id: 'obs-7' },
    { resourceType: 'Bundle', id: 'b1' },
  ]);
  const map = new ReferenceMap(pseudo, allowAll, KEY_ID, [], submission);

  it.each([
    ['Patient/p1', 'Patient/p1'],
    ['Patient/p1/_history/3', 'Patient/p1'],
    ['https://partner.example.net/fhir/Patient/p1', 'Patient/p1'],
    ['http://any.example.org/base/r4/Observation/obs-7/_history/2', 'Observation/obs-7'],
  ])('%s in the submission becomes the id %s gets', (reference, target) => {
    expect(map.rewrite(reference)).toBe(`${target.split('/')[0]}/${id(target)}`);
  });

  it.each([
    ['Patient/p2', `${EXTERNAL_BASE}/Patient/${id('Patient/p2')}`],
    ['Encounter/p1', `${EXTERNAL_BASE}/Encounter/${id('Encounter/p1')}`],
    [
      'https://partner.example.net/fhir/Patient/p2',
      `${EXTERNAL_BASE}/Patient/${id('url|https://partner.example.net/fhir/Patient/p2')}`,
    ],
  ])('%s outside the submission stays visibly external', (reference, expected) => {
    expect(map.rewrite(reference)).toBe(expected);
  });

  it('never counts a Bundle as a resource of the submission', () => {
    expect(submission.has('Bundle/b1')).toBe(false);
  });
});

describe('ReferenceMap in a Bundle', () => {
  const entries = [
    {
      fullUrl: 'https://partner.example.net/fhir/Patient/p1',
      resource: { resourceType: 'Patient', id: 'p1' },
    },
    {
      fullUrl: 'urn:uuid:6e1b0f2a-4c8d-4e5f-9a0b-1c2d3e4f5a6b',
      resource: { resourceType: 'Organization', id: 'org1' },
    },
  ];
  const map = new ReferenceMap(pseudo, allowAll, KEY_ID, entries);
  const patient = `urn:uuid:${id('Patient/p1')}`;
  const organization = `urn:uuid:${id('Organization/org1')}`;

  it('resolves its entries by fullUrl, version ignored, and by base-relative Type/id', () => {
    expect(map.rewrite('https://partner.example.net/fhir/Patient/p1')).toBe(patient);
    expect(map.rewrite('https://partner.example.net/fhir/Patient/p1/_history/9')).toBe(patient);
    expect(map.rewrite('Patient/p1', 'https://partner.example.net/fhir')).toBe(patient);
  });

  it('resolves an entry that names no server by type and id, on any base', () => {
    expect(map.rewrite('https://partner.example.net/fhir/Organization/org1')).toBe(organization);
    expect(map.rewrite('Organization/org1')).toBe(organization);
  });

  it('keeps a same-named resource on another server, or under another base, external', () => {
    expect(map.rewrite('https://other.example.net/fhir/Patient/p1')).toMatch(
      new RegExp(`^${EXTERNAL_BASE}/Patient/[0-9a-f-]{36}$`),
    );
    expect(map.rewrite('https://other.example.net/fhir/Patient/p1')).not.toBe(
      `${EXTERNAL_BASE}/Patient/${id('Patient/p1')}`,
    );
    expect(map.rewrite('Patient/p1', 'https://other.example.net/fhir')).toMatch(
      new RegExp(`^${EXTERNAL_BASE}/Patient/`),
    );
  });
});
