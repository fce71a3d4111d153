import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FilePartnerRegistry } from '../../shared/adapters/embedded/file-partner-registry.js';
import {
  governanceRefusal,
  keyUsable,
  reviewFlags,
  usableKeys,
} from '../../shared/app/partner-governance.js';
import {
  revokePartner,
  rotatePartnerKey,
  setPartnerGovernance,
} from '../../shared/app/partner-governance-admin.js';
import { parseCidr, sourceAllowed } from '../../shared/app/partner-governance-network.js';
import type { AuditEvent, AuditRecord, AuditSink } from '../../shared/ports/audit-sink.js';
import type { PartnerRecord } from '../../shared/ports/partner-registry.js';
import { partnerRecord } from '../contract/partner-registry.contract.js';

const NOW = new Date('2026-12-04T12:00:00.000Z');
const at = (sourceIp = '10.1.2.3') => ({ now: NOW, sourceIp });

describe('governanceRefusal', () => {
  it('serves a governed partner and names each reason to refuse one', () => {
    const ok = partnerRecord({ routes: undefined });
    expect(governanceRefusal(ok, at())).toBeUndefined();
    const cases: [PartnerRecord, string][] = [
      [{ ...ok, baa: undefined }, 'baa-missing'],
      [partnerRecord({ baa: { status: 'pending', expiresAt: '2099-01-01' } }), 'baa-not-active'],
      [partnerRecord({ baa: { status: 'terminated', expiresAt: '2099-01-01' } }), 'baa-not-active'],
      [partnerRecord({ baa: { status: 'active', expiresAt: '2026-12-03' } }), 'baa-expired'],
      [partnerRecord({ status: 'revoked' }), 'partner-revoked'],
      [partnerRecord({ sourceCidrs: ['192.0.2.0/24'] }), 'source-not-allowed'],
    ];
    for (const [record, reason] of cases) expect(governanceRefusal(record, at())).toBe(reason);
  });

  it('holds a BAA through its last day (UTC) and not a millisecond after', () => {
    const today = partnerRecord({ baa: { status: 'active', expiresAt: '2026-12-04' } });
    expect(
      governanceRefusal(today, { now: new Date('2026-12-04T23:59:59.999Z'), sourceIp: '10.0.0.1' }),
    ).toBe(undefined);
    expect(
      governanceRefusal(today, { now: new Date('2026-12-05T00:00:00.000Z'), sourceIp: '10.0.0.1' }),
    ).toBe('baa-expired');
  });

  it('limits routes only when the record lists them; the token endpoint has no route', () => {
    const record = partnerRecord({ routes: ['status'] });
    expect(governanceRefusal(record, { ...at(), route: 'bundles' })).toBe('route-not-allowed');
    expect(governanceRefusal(record, { ...at(), route: 'status' })).toBeUndefined();
    expect(governanceRefusal(record, at())).toBeUndefined();
  });
});

describe('source allow-list', () => {
  it.each([
    [['10.0.0.0/8'], '10.255.0.1', true],
    [['10.0.0.0/8'], '11.0.0.1', false],
    [['10.0.0.0/8'], '::ffff:10.0.0.1', true],
    [['2001:db8::/32'], '2001:db8:1::5', true],
    [['2001:db8::/32'], '2001:db9::5', false],
    [['192.0.2.7'], '192.0.2.7', true],
    [['192.0.2.7'], '192.0.2.8', false],
    [['::1/128'], '127.0.0.1', false],
    [['0.0.0.0/0'], 'unknown', false],
    [[], '10.0.0.1', false],
  ])('%j admits %s: %s', (cidrs, ip, allowed) => {
    expect(sourceAllowed(cidrs, ip)).toBe(allowed);
  });

  it.each(['10.0.0.0/33', '10.0.0/8', 'example.org', '::/129', '10.0.0.0/8/8', '10.0.0.0/-1', ''])(
    'refuses %j as a CIDR',
    (text) => {
      expect(parseCidr(text)).toBeUndefined();
    },
  );
});

describe('key windows', () => {
  const key = partnerRecord().keys[0];
  it('verifies inside [notBefore, notAfter) and before revokedAt only', () => {
    expect(keyUsable({ ...key, notBefore: NOW.toISOString() }, NOW)).toBe(true);
    expect(keyUsable({ ...key, notAfter: NOW.toISOString() }, NOW)).toBe(false);
    expect(keyUsable({ ...key, notBefore: '2026-12-05T00:00:00Z' }, NOW)).toBe(false);
    expect(keyUsable({ ...key, revokedAt: NOW.toISOString() }, NOW)).toBe(false);
    expect(keyUsable({ kid: 'legacy', alg: 'ES256', kty: 'EC' }, NOW)).toBe(true);
  });

  it('hands the verifiers plain JWKs, without the window members', () => {
    expect(usableKeys(partnerRecord(), NOW)).toEqual([
      { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1', alg: 'ES256', use: 'sig' },
    ]);
  });
});

describe('reviewFlags (phi partner list)', () => {
  it('flags overdue reviews and BAAs and keys expiring within the horizon', () => {
    expect(reviewFlags(partnerRecord({ nextReviewDue: '2027-06-01' }), NOW)).toEqual([]);
    expect(
      reviewFlags(
        partnerRecord({
          baa: { status: 'active', expiresAt: '2026-12-20' },
          nextReviewDue: '2026-12-01',
          keys: [{ ...partnerRecord().keys[0], notAfter: '2026-12-30T00:00:00Z' }],
        }),
        NOW,
      ),
    ).toEqual(['baa-expiring', 'review-overdue', 'key-expiring']);
    expect(reviewFlags(partnerRecord({ baa: undefined, nextReviewDue: undefined }), NOW)).toEqual([
      'baa-missing',
      'review-missing',
    ]);
    expect(reviewFlags(partnerRecord({ status: 'revoked' }), NOW)).toEqual(['revoked']);
    expect(
      reviewFlags(
        partnerRecord({ keys: [{ ...partnerRecord().keys[0], revokedAt: '2026-12-01T00:00:00Z' }] }),
        NOW,
      ),
    ).toContain('no-usable-key');
  });

  it('does not flag the outgoing key of a rotation while a new key outlasts the horizon', () => {
    const old = { ...partnerRecord().keys[0], notAfter: '2026-12-10T00:00:00Z' };
    const fresh = { ...old, kid: 'k2', notAfter: '2027-12-01T00:00:00Z' };
    expect(reviewFlags(partnerRecord({ keys: [old, fresh], nextReviewDue: '2027-06-01' }), NOW)).toEqual([]);
  });
});

describe('operator changes of a partner record', () => {
  let home: string;
  let events: AuditEvent[];
  let deps: { partners: FilePartnerRegistry; audit: AuditSink; clock: { now: () => Date } };
  const who = { operator: 'ops@test', ticket: 'INC-42', host: 'ops-host' };

  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'phi-gov-'));
    events = [];
    deps = {
      partners: new FilePartnerRegistry(home),
      audit: {
        append: async (event) => {
          events.push(event);
          return { ...event, seq: events.length, prev: '', hash: '' } as unknown as AuditRecord;
        },
      },
      clock: { now: () => NOW },
    };
    await deps.partners.put(partnerRecord({ id: 'acme' }));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('rotate-key: the old key stops at the end of the overlap, the new one starts now; audited with ticket and host', async () => {
    const key = { kty: 'EC', crv: 'P-256', x: 'x2', y: 'y2', kid: 'k2', alg: 'ES256', use: 'sig' };
    const done = await rotatePartnerKey(deps, who, 'acme', { key, overlapMs: 7 * 86_400_000 });
    expect(done).toMatchObject({ kid: 'k2', retired: 'k1', oldKeysUntil: '2026-12-11T12:00:00.000Z' });
    const record = await deps.partners.get('acme');
    expect(record?.keys.map((k) => [k.kid, k.notBefore, k.notAfter])).toEqual([
      ['k1', '2026-08-01T00:00:00.000Z', '2026-12-11T12:00:00.000Z'],
      ['k2', NOW.toISOString(), undefined],
    ]);
    const later = new Date('2026-12-11T12:00:00.000Z');
    expect(usableKeys(record as PartnerRecord, later).map((k) => k.kid)).toEqual(['k2']);
    expect(events).toEqual([
      expect.objectContaining({
        actor: { type: 'operator', id: 'ops@test' },
        action: 'partner.rotate-key',
        outcome: 'success',
        details: expect.objectContaining({ partner: 'acme', ticket: 'INC-42', host: 'ops-host', kid: 'k2' }),
      }),
    ]);
    expect(JSON.stringify(events)).not.toContain('"x2"');
  });

  it('rotate-key never lengthens a key that ends before the overlap, and refuses a kid already there', async () => {
    const key = { kty: 'EC', crv: 'P-256', x: 'x2', y: 'y2', kid: 'k2', alg: 'ES256', use: 'sig' };
    await rotatePartnerKey(deps, who, 'acme', { key, overlapMs: 0 });
    expect((await deps.partners.get('acme'))?.keys[0]?.notAfter).toBe(NOW.toISOString());
    await expect(rotatePartnerKey(deps, who, 'acme', { key, overlapMs: 0 })).rejects.toMatchObject({
      code: 'config-invalid',
    });
    expect(events.map((e) => e.outcome)).toEqual(['success', 'failure']);
  });

  it('revoke: the partner, or one key; an unknown partner is a failure in the chain', async () => {
    await revokePartner(deps, who, 'acme', 'k1');
    expect((await deps.partners.get('acme'))?.keys[0]?.revokedAt).toBe(NOW.toISOString());
    await revokePartner(deps, who, 'acme');
    expect(await deps.partners.get('acme')).toMatchObject({
      status: 'revoked',
      revokedAt: NOW.toISOString(),
    });
    await expect(revokePartner(deps, who, 'nobody')).rejects.toMatchObject({ code: 'config-invalid' });
    expect(events.map((e) => [e.action, e.outcome, e.details?.ticket])).toEqual([
      ['partner.revoke', 'success', 'INC-42'],
      ['partner.revoke', 'success', 'INC-42'],
      ['partner.revoke', 'failure', 'INC-42'],
    ]);
  });

  it('refuses a ticket outside the alphabet before anything changes', async () => {
    await expect(
      revokePartner(deps, { ...who, ticket: 'patient Jane Roe called' }, 'acme'),
    ).rejects.toMatchObject({
      code: 'content-invalid',
    });
    expect((await deps.partners.get('acme'))?.status).toBe('active');
    expect(events).toEqual([]);
  });

  it('set: a BAA for a legacy record, a review date and tier; a bad CIDR changes nothing', async () => {
    const { baa: _b, ...legacy } = partnerRecord({ id: 'old' });
    await deps.partners.put(legacy);
    await setPartnerGovernance(deps, who, 'old', {
      baaExpiresAt: '2027-12-31',
      nextReviewDue: '2027-06-30',
      riskTier: 'high',
    });
    expect(await deps.partners.get('old')).toMatchObject({
      baa: { status: 'active', expiresAt: '2027-12-31' },
      nextReviewDue: '2027-06-30',
      riskTier: 'high',
    });
    await expect(
      setPartnerGovernance(deps, who, 'old', { sourceCidrs: ['10.0.0.0/40'] }),
    ).rejects.toMatchObject({
      code: 'config-invalid',
      details: { partner: 'old', fields: 'sourceCidrs.0' },
    });
    expect((await deps.partners.get('old'))?.sourceCidrs).toEqual(partnerRecord().sourceCidrs);
  });
});
