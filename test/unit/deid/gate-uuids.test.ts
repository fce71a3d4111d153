import { describe, expect, it } from 'vitest';
import { createReleaseGate, type GateResult } from '../../../shared/core/deid/gate/gate.js';
import { contractNamed } from './support/deid-fixtures.js';

/**
 * The gate judges the engine's pseudonymous UUIDs (`<uuid>`, `urn:uuid:<uuid>`) by a shortcut: only
 * the input's terms can be in them, never a date or a digit string. These cases pin what the general
 * judgement finds in those shapes, so the shortcut can only ever give the same answers.
 */
const gate = createReleaseGate(contractNamed('safe-harbor'));
const UUID = '19700101-5551-2345-8abc-def012345678';

/** An input whose identifiers are the UUID itself, one of its groups as digits, and a date it spells. */
const input = (identifier: string, family = 'Whitfield') => ({
  resourceType: 'Bundle',
  type: 'collection',
  entry: [
    {
      resource: {
        resourceType: 'Patient',
        identifier: [
          { system: 'urn:ids', value: identifier },
          { system: 'phone', value: '555-1234-5678' },
        ],
        birthDate: '1970-01-01',
        name: [{ family }],
      },
    },
  ],
});

const check = (identifier: string, text: string, family?: string): GateResult =>
  gate.check(input(identifier, family), [['Observation[0]', { resourceType: 'Observation', id: text }]]);
const kinds = (result: GateResult): string[] => (result.ok ? [] : result.hits.map((h) => h.kind));

describe('release gate on pseudonymous UUIDs', () => {
  it('finds an input identifier that is the UUID, bare or as urn:uuid', () => {
    expect(kinds(check(UUID, UUID))).toEqual(['identifier']);
    expect(kinds(check(UUID, `urn:uuid:${UUID}`))).toEqual(['identifier']);
    // Upper case is not the engine's shape: the general judgement still lower-cases it.
    expect(kinds(check(UUID, UUID.toUpperCase()))).toEqual(['identifier']);
  });

  it('finds the words around the UUID: a name written as urn or uuid', () => {
    expect(kinds(check('other-id-1', `urn:uuid:${UUID}`, 'Urn'))).toEqual(['name']);
    expect(kinds(check('other-id-1', `urn:uuid:${UUID}`, 'Uuid'))).toEqual(['name']);
    expect(kinds(check('other-id-1', `urn:uuid:${UUID}`))).toEqual([]);
  });

  it('finds no date or phone number in a UUID whose groups spell them', () => {
    const clean = '19700101-5551-2345-8abc-def012345679';
    expect(kinds(check('other-id-1', clean))).toEqual([]);
    expect(kinds(check('other-id-1', `urn:uuid:${clean}`))).toEqual([]);
    // The same digits outside a UUID are a date and a phone number.
    expect(kinds(check('other-id-1', '19700101'))).toEqual(['date']);
    expect(kinds(check('other-id-1', '555 1234 5678'))).toEqual(['telecom']);
  });
});
