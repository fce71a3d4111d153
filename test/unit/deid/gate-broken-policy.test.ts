import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createReleaseGate } from '../../../shared/core/deid/gate/gate.js';
import { contractNamed, engineFor, REPO } from './support/deid-fixtures.js';

/**
 * A deliberately broken policy registry (this file only, through the module seam the walker reads
 * policies from): HumanName walked instead of withheld (a contact's name, which the profile allows, then leaks), Address lines and every date
 * kept as written. The engine then lets PHI through; the gate must catch each kind, by path.
 */
const broken = vi.hoisted(() => ({ on: true }));

vi.mock('../../../shared/core/deid/policies/registry.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../shared/core/deid/policies/registry.js')>();
  const { keep } = await import('../../../shared/core/deid/policies/policy.js');
  return {
    ...original,
    wholePolicyFor: (type: string) =>
      broken.on && type === 'HumanName' ? undefined : original.wholePolicyFor(type),
    decide: (
      input: Parameters<typeof original.decide>[0],
      services: Parameters<typeof original.decide>[1],
    ) => {
      const leaks =
        input.type === 'HumanName' ||
        (input.type === 'Address' && input.elementName === 'line') ||
        ['date', 'dateTime', 'instant'].includes(input.valueType);
      return broken.on && leaks && typeof input.value === 'string'
        ? keep(input.value)
        : original.decide(input, services);
    },
  };
});

const input = JSON.parse(readFileSync(join(REPO, 'test/golden/deid/phi-everywhere.input.json'), 'utf8'));

describe('a broken policy lets PHI through; the gate catches it', () => {
  it('the broken engine leaks names, address lines and full dates', () => {
    const { output } = engineFor('safe-harbor').deidentifyBundle(input);
    const text = JSON.stringify(output);
    expect(text).toContain('"family":"Doe"');
    expect(text).toContain('42 Elm Street');
    expect(text).toContain('1931-03-15');
  });

  it('the gate reports each leak by path and kind, never the value', () => {
    const engine = engineFor('safe-harbor');
    const { output } = engine.deidentifyBundle(input);
    const result = createReleaseGate(engine.contract).check(input, [['Bundle', output]]);
    expect(result.ok).toBe(false);
    const hits = result.ok ? [] : result.hits;
    const kinds = new Set(hits.map((h) => h.kind));
    for (const kind of ['name', 'address', 'date', 'date-precision']) expect(kinds).toContain(kind);
    expect(hits).toContainEqual({ path: 'Bundle.entry[0].resource.contact[0].name.family', kind: 'name' });
    expect(hits).toContainEqual({ path: 'Bundle.entry[0].resource.address[0].line[0]', kind: 'address' });
    expect(hits).toContainEqual({ path: 'Bundle.entry[0].resource.birthDate', kind: 'date-precision' });
    const serialized = JSON.stringify(result);
    for (const value of ['Mary', 'Doe', 'Elm', '1931-03-15']) expect(serialized).not.toContain(value);
  });

  it('under a limited data set too: names and lines, not the dates it may keep', () => {
    const engine = engineFor(contractNamed('limited-data-set'));
    const { output } = engine.deidentifyBundle(input);
    const result = createReleaseGate(engine.contract).check(input, [['Bundle', output]]);
    const kinds = new Set(result.ok ? [] : result.hits.map((h) => h.kind));
    expect(kinds).toContain('name');
    expect(kinds).toContain('address');
    expect(kinds).not.toContain('date-precision');
  });

  it('with the policy mended, the same input passes', () => {
    broken.on = false;
    try {
      const engine = engineFor('safe-harbor');
      const { output } = engine.deidentifyBundle(input);
      expect(createReleaseGate(engine.contract).check(input, [['Bundle', output]])).toEqual({ ok: true });
    } finally {
      broken.on = true;
    }
  });
});
