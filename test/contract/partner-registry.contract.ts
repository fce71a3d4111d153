import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PipelineError } from '../../shared/core/errors.js';
import type { PartnerRecord, PartnerRegistry } from '../../shared/ports/partner-registry.js';

export interface PartnerRegistryFixture {
  readonly registry: PartnerRegistry;
  /** Stores `text` as partner `id`'s record as is, bypassing the adapter (an operator's hand edit). */
  writeRaw(id: string, text: string): Promise<void>;
  cleanup(): Promise<void>;
}

export const partnerRecord = (overrides: Partial<PartnerRecord> = {}): PartnerRecord => ({
  id: 'demo',
  scopes: ['system/Bundle.write', 'system/Claim.write'],
  keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1', alg: 'ES256', use: 'sig' }],
  status: 'active',
  createdAt: '2026-08-01T00:00:00.000Z',
  ...overrides,
});

const rejection = async (promise: Promise<unknown>): Promise<PipelineError> => {
  try {
    await promise;
  } catch (error) {
    return error as PipelineError;
  }
  throw new Error('expected a rejection');
};

/** Partner records: what every PartnerRegistry adapter must share, so a record valid in one is valid in the other. */
export function describePartnerRegistryContract(
  name: string,
  make: () => Promise<PartnerRegistryFixture>,
): void {
  describe(`PartnerRegistry contract: ${name}`, () => {
    let fixture: PartnerRegistryFixture;
    let registry: PartnerRegistry;

    beforeEach(async () => {
      fixture = await make();
      registry = fixture.registry;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('starts empty', async () => {
      await expect(registry.list()).resolves.toEqual([]);
      await expect(registry.get('demo')).resolves.toBeUndefined();
    });

    it('stores and reads a record as given, and lists records in id order', async () => {
      await registry.put(partnerRecord({ id: 'zeta' }));
      await registry.put(partnerRecord());
      await registry.put(partnerRecord({ id: 'acme', status: 'disabled', scopes: [] }));
      expect(await registry.get('demo')).toEqual(partnerRecord());
      expect((await registry.list()).map((p) => [p.id, p.status])).toEqual([
        ['acme', 'disabled'],
        ['demo', 'active'],
        ['zeta', 'active'],
      ]);
    });

    it('replaces a record on put (a key rotation or a disabled partner takes effect)', async () => {
      await registry.put(partnerRecord());
      const rotated = partnerRecord({
        keys: [{ kty: 'EC', crv: 'P-256', x: 'x2', y: 'y2', kid: 'k2', alg: 'ES256', use: 'sig' }],
        status: 'disabled',
      });
      await registry.put(rotated);
      expect(await registry.get('demo')).toEqual(rotated);
      expect(await registry.list()).toHaveLength(1);
    });

    it.each(['nobody', '../keys/data', 'Demo', '', '-demo', 'a'.repeat(65)])(
      'answers undefined for the unknown or invalid id %j',
      async (id) => {
        await registry.put(partnerRecord());
        await expect(registry.get(id)).resolves.toBeUndefined();
      },
    );

    it('refuses to store an invalid id, a private key or an unknown field, naming fields only', async () => {
      for (const record of [
        partnerRecord({ id: '../evil' }),
        partnerRecord({ keys: [{ ...partnerRecord().keys[0], d: 'c2VjcmV0LXByaXZhdGUta2V5' }] }),
        { ...partnerRecord(), note: 'Jane Roe, DOB 1970-01-01' } as PartnerRecord,
        partnerRecord({ createdAt: 'yesterday' }),
      ]) {
        const error = await rejection(registry.put(record));
        expect(error.code).toBe('config-invalid');
        expect(`${error.message} ${JSON.stringify(error.details)}`).not.toMatch(/Jane|c2VjcmV0|yesterday/);
      }
      await expect(registry.list()).resolves.toEqual([]);
    });

    it('reports a damaged or mislabelled stored record as config-invalid, without its content', async () => {
      await fixture.writeRaw('demo', '{"id":"demo","scopes":"Jane Roe"}');
      const damaged = await rejection(registry.get('demo'));
      expect(damaged).toMatchObject({ code: 'config-invalid', details: { partner: 'demo' } });
      expect(`${damaged.message} ${JSON.stringify(damaged.details)}`).not.toContain('Jane');
      await fixture.writeRaw('acme', JSON.stringify(partnerRecord()));
      await expect(registry.get('acme')).rejects.toMatchObject({ code: 'config-invalid' });
      await fixture.writeRaw('zeta', 'not json');
      await expect(registry.get('zeta')).rejects.toMatchObject({ code: 'config-invalid' });
    });
  });
}
