/**
 * Issue 12, item 1 over real HTTPS: a partner that authenticates but has no active BAA, is revoked, or
 * calls from outside its allow-list is refused at the token endpoint (RFC 6749 `invalid_client` 401,
 * `partner-not-authorized` in the audit record) and at every partner route (403
 * `partner-not-authorized`), with one audit record and nothing stored; keys verify only inside their
 * window, a revoked key stops at once, and a rotation's old key stops when its overlap ends.
 */
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartnerClient } from '../../cli/client/partner-client.js';
import { clientAssertion, contentDigestHeader, signDetached } from '../../cli/client/sign-submission.js';
import { addPartner, newPartnerKeyPair } from '../../local/partner-keys.js';
import { revokePartner, rotatePartnerKey } from '../../shared/app/partner-governance-admin.js';
import { submissionRecords } from '../../shared/app/submission-records.js';
import type { PartnerRecord } from '../../shared/ports/partner-registry.js';
import {
  type AuditLine,
  auditLines,
  DOOR_ONLY,
  expectNothingStored,
  expectRejected,
  freshBundle,
  ingestDepth,
  type RawRequest,
  sendRaw,
  snapshot,
  tokenForm,
  tokenRequest,
} from '../helpers/hostile.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';
import { until } from '../helpers/until.js';
import { manifestOf, postManifest, putFile, sampleNdjson } from '../helpers/uploads.js';

const SCOPES = 'system/Bundle.write system/Claim.write';
const DAY_MS = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);
const OPERATOR = { operator: 'ops@test', ticket: 'CHG-4711', host: 'ops-host' };

describe('partner governance over HTTPS (issue 12)', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack(DOOR_ONLY);
  });
  afterAll(async () => {
    await t?.close();
  });

  const registry = () => t.stack.deps.partners;
  const admin = () => t.stack.deps;
  const change = async (id: string, edit: (r: PartnerRecord) => PartnerRecord) => {
    const record = await registry().get(id);
    if (!record) throw new Error(`no partner ${id}`);
    await registry().put(edit(record));
  };
  const register = async (id: string) => {
    await addPartner(t.home, registry(), t.stack.deps.clock, id);
    return t.privateJwk(id);
  };

  const tokenAttempt = async (partner: string, jwk: JWK): Promise<RawRequest> =>
    tokenRequest(tokenForm(await clientAssertion(partner, jwk, t.config.tokenUrl), SCOPES));
  /** A fresh access token for `partner` signed with `jwk`, or the refusal's status. */
  const token = async (partner: string, jwk: JWK): Promise<string> => {
    const client = new PartnerClient({ baseUrl: t.url, partnerId: partner, privateJwk: jwk, ca: t.ca });
    try {
      return await client.accessToken();
    } finally {
      client.close();
    }
  };
  const bundle = async (bearer: string, jwk: JWK, body = freshBundle()): Promise<RawRequest> => ({
    method: 'POST',
    path: '/v1/bundles',
    headers: {
      Authorization: `Bearer ${bearer}`,
      'Content-Type': 'application/fhir+json',
      'Content-Digest': contentDigestHeader(body),
      'X-JWS-Signature': await signDetached(body, jwk),
    },
    body,
  });
  const jtiKeys = async (partner: string) =>
    (await t.stack.deps.objects.list(`replay/jti/${partner}/`)).length;

  /** 401 invalid_client, one audit record `partner-not-authorized` with the reason, no jti remembered. */
  async function expectTokenRefused(partner: string, jwk: JWK, reason: string): Promise<AuditLine> {
    const req = await tokenAttempt(partner, jwk);
    const jtis = await jtiKeys(partner);
    const before = await snapshot(t);
    const res = await sendRaw(t, req);
    const json = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
    expect({ status: res.status, error: json.error, token: json.access_token }).toEqual({
      status: 401,
      error: 'invalid_client',
      token: undefined,
    });
    const [audit] = await expectNothingStored(t, before, { code: 'partner-not-authorized', audit: 'one' });
    expect(audit).toMatchObject({ action: 'token.refused', actor: { type: 'partner', id: partner } });
    expect((audit as { details?: { reason?: string } }).details?.reason).toBe(reason);
    expect(await jtiKeys(partner), 'a refused partner leaves no jti behind').toBe(jtis);
    return audit as AuditLine;
  }

  async function expectRouteRefused(req: RawRequest, partner: string, reason: string): Promise<void> {
    const { audit, issue } = await expectRejected(t, () => sendRaw(t, req), 403, 'partner-not-authorized');
    expect(audit[0]).toMatchObject({ actor: { type: 'partner', id: partner } });
    expect((audit[0] as { details?: { reason?: string } }).details?.reason).toBe(reason);
    expect(String(issue.diagnostics)).not.toMatch(/BAA|expired|127\.0\.0\.1/);
  }

  it('a partner whose BAA expired yesterday is refused at the token endpoint and at /v1/bundles; one expiring today is served', async () => {
    const jwk = await register('lapsed');
    await change('lapsed', (r) => ({ ...r, baa: { status: 'active', expiresAt: isoDay(Date.now()) } }));
    const bearer = await token('lapsed', jwk);
    expect((await sendRaw(t, await bundle(bearer, jwk))).status).toBe(202);

    await change('lapsed', (r) => ({
      ...r,
      baa: { status: 'active', signedAt: '2025-01-01', expiresAt: isoDay(Date.now() - DAY_MS) },
    }));
    await expectTokenRefused('lapsed', jwk, 'baa-expired');
    // The token issued while the BAA held is no way around it: the registry is read on every request.
    await expectRouteRefused(await bundle(bearer, jwk), 'lapsed', 'baa-expired');
  });

  it('every partner route refuses a partner whose BAA is not active, with nothing stored', async () => {
    const jwk = await register('pending-baa');
    const bearer = await token('pending-baa', jwk);
    const accepted = await sendRaw(t, await bundle(bearer, jwk));
    expect(accepted.status).toBe(202);
    const id = (JSON.parse(accepted.body.toString('utf8')) as { submissionId: string }).submissionId;
    await change('pending-baa', (r) => ({ ...r, baa: { status: 'pending', expiresAt: '2099-01-01' } }));
    const auth = { Authorization: `Bearer ${bearer}` };
    const body = freshBundle();
    const signed = {
      ...auth,
      'Content-Digest': contentDigestHeader(body),
      'X-JWS-Signature': await signDetached(body, jwk),
    };
    const requests: RawRequest[] = [
      await bundle(bearer, jwk),
      {
        method: 'POST',
        path: '/v1/claims',
        headers: { ...signed, 'Content-Type': 'application/edi-x12' },
        body,
      },
      {
        method: 'POST',
        path: '/v1/uploads',
        headers: { ...signed, 'Content-Type': 'application/json' },
        body,
      },
      { method: 'GET', path: `/v1/submissions/${id}`, headers: auth },
      { method: 'GET', path: `/v1/submissions/${id}/errors`, headers: auth },
      { method: 'GET', path: `/v1/submissions/${id}/acknowledgement`, headers: auth },
    ];
    for (const req of requests) await expectRouteRefused(req, 'pending-baa', 'baa-not-active');
    await expectTokenRefused('pending-baa', jwk, 'baa-not-active');
  });

  it('a record written before governance (no BAA) is refused until it gets one', async () => {
    const jwk = await register('legacy');
    const bearer = await token('legacy', jwk);
    await change('legacy', ({ baa: _b, riskTier: _r, owner: _o, nextReviewDue: _n, ...r }) => ({
      ...r,
      keys: r.keys.map(({ notBefore: _nb, notAfter: _na, ...k }) => k),
    }));
    await expectTokenRefused('legacy', jwk, 'baa-missing');
    await expectRouteRefused(await bundle(bearer, jwk), 'legacy', 'baa-missing');
    await change('legacy', (r) => ({ ...r, baa: { status: 'active', expiresAt: '2099-12-31' } }));
    expect((await sendRaw(t, await bundle(await token('legacy', jwk), jwk))).status).toBe(202);
  });

  it('a revoked partner is refused at once, even with a token issued before; the revocation is audited with operator and ticket', async () => {
    const jwk = await register('revoked-lab');
    const bearer = await token('revoked-lab', jwk);
    await revokePartner(admin(), OPERATOR, 'revoked-lab');
    await expectRouteRefused(await bundle(bearer, jwk), 'revoked-lab', 'partner-revoked');
    await expectTokenRefused('revoked-lab', jwk, 'partner-revoked');
    const revocation = (await auditLines(t))
      .map((l) => JSON.parse(l) as AuditLine)
      .find(
        (a) => a.action === 'partner.revoke' && (a.details as { partner?: string }).partner === 'revoked-lab',
      );
    expect(revocation).toMatchObject({
      actor: { type: 'operator', id: 'ops@test' },
      outcome: 'success',
      details: { partner: 'revoked-lab', ticket: 'CHG-4711', host: 'ops-host' },
    });
  });

  it('a revoked key stops verifying at once: no token and no submission signed with it; the other key still works', async () => {
    const oldJwk = await register('two-keys');
    const next = await newPartnerKeyPair();
    await rotatePartnerKey(admin(), OPERATOR, 'two-keys', { key: next.publicJwk, overlapMs: 7 * DAY_MS });
    const bearer = await token('two-keys', next.privateJwk);
    expect((await sendRaw(t, await bundle(bearer, oldJwk))).status).toBe(202);

    await revokePartner(admin(), OPERATOR, 'two-keys', oldJwk.kid);
    const before = await snapshot(t);
    const refused = await sendRaw(t, await tokenAttempt('two-keys', oldJwk));
    expect(refused.status).toBe(401);
    await expectNothingStored(t, before, { code: 'invalid_client', audit: 'one' });
    await expectRejected(
      t,
      async () => sendRaw(t, await bundle(bearer, oldJwk)),
      400,
      'signature-key-unknown',
    );
    expect((await sendRaw(t, await bundle(bearer, next.privateJwk))).status).toBe(202);
  });

  it('after a rotation both keys verify during the overlap, and only the new one after it', async () => {
    const oldJwk = await register('rotating');
    const next = await newPartnerKeyPair();
    const overlapMs = 4000;
    const { oldKeysUntil } = await rotatePartnerKey(admin(), OPERATOR, 'rotating', {
      key: next.publicJwk,
      overlapMs,
    });
    const oldBearer = await token('rotating', oldJwk);
    const newBearer = await token('rotating', next.privateJwk);
    expect((await sendRaw(t, await bundle(oldBearer, oldJwk))).status).toBe(202);
    expect((await sendRaw(t, await bundle(newBearer, next.privateJwk))).status).toBe(202);
    expect(Date.now(), 'the window checks ran inside the window').toBeLessThan(Date.parse(oldKeysUntil));

    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, Date.parse(oldKeysUntil) - Date.now() + 50)),
    );
    const before = await snapshot(t);
    expect((await sendRaw(t, await tokenAttempt('rotating', oldJwk))).status).toBe(401);
    await expectNothingStored(t, before, { code: 'invalid_client', audit: 'one' });
    await expectRejected(
      t,
      async () => sendRaw(t, await bundle(newBearer, oldJwk)),
      400,
      'signature-key-unknown',
    );
    expect(
      (await sendRaw(t, await bundle(await token('rotating', next.privateJwk), next.privateJwk))).status,
    ).toBe(202);
  });

  it('a key before its notBefore never verifies', async () => {
    const jwk = await register('early-key');
    const bearer = await token('early-key', jwk);
    await change('early-key', (r) => ({
      ...r,
      keys: r.keys.map((k) => ({ ...k, notBefore: new Date(Date.now() + DAY_MS).toISOString() })),
    }));
    expect((await sendRaw(t, await tokenAttempt('early-key', jwk))).status).toBe(401);
    await expectRejected(t, async () => sendRaw(t, await bundle(bearer, jwk)), 400, 'signature-key-unknown');
  });

  it('a partner outside its source IP allow-list is refused at the token endpoint and the routes; inside it is served', async () => {
    const jwk = await register('fenced');
    const bearer = await token('fenced', jwk);
    // The local host listens on 127.0.0.1: an IPv4 and an IPv6 range that exclude it, then ::1 alone.
    for (const cidrs of [['203.0.113.0/24', '2001:db8::/32'], ['::1/128']]) {
      await change('fenced', (r) => ({ ...r, sourceCidrs: cidrs }));
      await expectTokenRefused('fenced', jwk, 'source-not-allowed');
      await expectRouteRefused(await bundle(bearer, jwk), 'fenced', 'source-not-allowed');
    }
    for (const cidrs of [['127.0.0.0/8'], ['203.0.113.0/24', '127.0.0.1']]) {
      await change('fenced', (r) => ({ ...r, sourceCidrs: cidrs }));
      expect((await sendRaw(t, await bundle(await token('fenced', jwk), jwk))).status).toBe(202);
    }
  });

  it('a partner limited to some routes is refused on the others', async () => {
    const jwk = await register('status-only');
    const bearer = await token('status-only', jwk);
    await change('status-only', (r) => ({ ...r, routes: ['status'] }));
    await expectRouteRefused(await bundle(bearer, jwk), 'status-only', 'route-not-allowed');
    const unknown = await sendRaw(t, {
      method: 'GET',
      path: '/v1/submissions/00000000-0000-4000-8000-000000000000',
      headers: { Authorization: `Bearer ${bearer}` },
    });
    expect(unknown.status).toBe(404);
  });

  it('a bulk submission whose partner is revoked before its files arrive fails partner-not-authorized: nothing queued, the files deleted', async () => {
    await register('bulk-lab');
    const body = (await sampleNdjson()).get('Patient') ?? Buffer.alloc(0);
    const created = await postManifest(
      t,
      manifestOf([{ name: 'Patient.ndjson', kind: 'fhir-ndjson', resourceType: 'Patient', body }]),
      { partner: 'bulk-lab' },
    );
    expect(created.status, created.text).toBe(201);
    const id = created.json.submissionId ?? '';
    await revokePartner(admin(), OPERATOR, 'bulk-lab');
    const depth = ingestDepth(t);
    const target = created.json.files?.[0];
    if (target === undefined) throw new Error('no upload URL');
    expect((await putFile(t, target, body)).status).toBe(200);
    const record = await until(
      async () => {
        const r = await submissionRecords.read(t.stack.deps.objects, 'bulk-lab', id);
        return r?.status === 'failed' ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(record.failure?.code).toBe('partner-not-authorized');
    expect(ingestDepth(t)).toBe(depth);
    expect(await t.stack.deps.objects.list(`raw/bulk-lab/${id}`)).toEqual([]);
    const failed = (await auditLines(t))
      .map((l) => JSON.parse(l) as AuditLine)
      .filter((a) => a.submissionId === id);
    expect(failed.map((a) => [a.action, a.code])).toContainEqual(['upload.failed', 'partner-not-authorized']);
  });
});
