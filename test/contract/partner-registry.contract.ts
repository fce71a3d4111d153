import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PipelineError } from '../../shared/core/errors.js';
import type { PartnerRecord, PartnerRegistry } from '../../shared/ports/partner-registry.js';

export interface PartnerRegistryFixture {
  readonly registry: PartnerRegistry;
  /** Stores `text` as partner `id`'s record as is, bypassing the adapter (an operator's hand edit). */
  writeRaw(id: string, text: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** A record as versions before governance wrote it: no BAA, no key windows. */
export const legacyPartnerRecord = (overrides: Partial<PartnerRecord> = {}): PartnerRecord => ({
  id: 'demo',
  scopes: ['system/Bundle.write', 'system/Claim.write'],
  keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1', alg: 'ES256', use: 'sig' }],
  status: 'active',
  createdAt: '2026-08-01T00:00:00.000Z',
  ...overrides,
});

/** A governed record with every field. */
export const partnerRecord = (overrides: Partial<PartnerRecord> = {}): PartnerRecord => ({
  ...legacyPartnerRecord(),
  keys: [
    {
      kty: 'EC',
      crv: 'P-256',
      x: 'x',
      y: 'y',
      kid: 'k1',
      alg: 'ES256',
      use: 'sig',
      notBefore: '2026-08-01T00:00:00.000Z',
      notAfter: '2027-08-01T00:00:00.000Z',
    },
  ],
  baa: { status: 'active', signedAt: '2026-07-30', expiresAt: '2027-07-29' },
  riskTier: 'moderate',
  owner: 'Pat Operator',
  routes: ['bundles', 'claims', 'status'],
  sourceCidrs: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'],
  nextReviewDue: '2027-01-31',
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

    it('loads a record written before governance (no BAA, no key windows) as it was', async () => {
      await fixture.writeRaw('demo', JSON.stringify(legacyPartnerRecord()));
      expect(await registry.get('demo')).toEqual(legacyPartnerRecord());
    });

    it('stores a revocation, of the partner or of one key', async () => {
      const revoked = partnerRecord({ status: 'revoked', revokedAt: '2026-09-01T10:00:00.000Z' });
      await registry.put(revoked);
      expect(await registry.get('demo')).toEqual(revoked);
      const keyRevoked = partnerRecord({
        keys: [{ ...partnerRecord().keys[0], revokedAt: '2026-09-01T10:00:00.000Z' }],
      });
      await registry.put(keyRevoked);
      expect(await registry.get('demo')).toEqual(keyRevoked);
    });

    it.each<[string, Partial<PartnerRecord> | Record<string, unknown>, string]>([
      ['a CIDR that is not one', { sourceCidrs: ['10.0.0.0/8', '10.1.2.3/33'] }, 'sourceCidrs.1'],
      ['a host name in the allow-list', { sourceCidrs: ['jane-roe.example'] }, 'sourceCidrs.0'],
      [
        'a BAA expiring before it is signed',
        { baa: { status: 'active', signedAt: '2027-01-02', expiresAt: '2027-01-01' } },
        'baa.expiresAt',
      ],
      ['an unknown BAA status', { baa: { status: 'maybe', expiresAt: '2027-01-01' } }, 'baa.status'],
      ['a BAA without expiry', { baa: { status: 'active' } }, 'baa.expiresAt'],
      ['a review date that is not a date', { nextReviewDue: 'soon' }, 'nextReviewDue'],
      ['an unknown risk tier', { riskTier: 'extreme' }, 'riskTier'],
      ['an unknown route', { routes: ['bundles', 'admin'] }, 'routes.1'],
      ['an owner with control characters', { owner: 'Pat\u0007' }, 'owner'],
      [
        'a key window that ends before it starts',
        {
          keys: [
            {
              ...partnerRecord().keys[0],
              notBefore: '2027-01-01T00:00:00Z',
              notAfter: '2026-01-01T00:00:00Z',
            },
          ],
        },
        'keys.0.notAfter',
      ],
      ['two keys with one kid', { keys: [partnerRecord().keys[0], partnerRecord().keys[0]] }, 'keys'],
    ])('refuses %s on write and on read, naming the partner and the field only', async (_, bad, field) => {
      const record = { ...partnerRecord({ id: 'acme' }), ...bad } as PartnerRecord;
      const written = await rejection(registry.put(record));
      expect(written).toMatchObject({ code: 'config-invalid', details: { partner: 'acme' } });
      expect(String(written.details?.fields).split(',')).toContain(field);
      expect(written.message).toContain('acme');
      expect(written.message).toContain(field);
      await fixture.writeRaw('acme', JSON.stringify(record));
      const read = await rejection(registry.get('acme'));
      expect(read).toMatchObject({ code: 'config-invalid', details: { partner: 'acme' } });
      expect(String(read.details?.fields).split(',')).toContain(field);
      for (const error of [written, read]) {
        expect(`${error.message} ${JSON.stringify(error.details)}`).not.toMatch(
          /jane-roe|10\.1\.2\.3|extreme|soon|admin|maybe/,
        );
      }
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
