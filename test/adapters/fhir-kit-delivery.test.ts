import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FhirKitDelivery } from '../../shared/adapters/fhir/fhir-kit-delivery.js';
import { isPipelineError } from '../../shared/core/errors.js';
import { transactionBundles } from '../../shared/core/fhir/transaction-bundles.js';
import type { FhirDeliveryConfig } from '../../shared/ports/fhir-delivery.js';

/**
 * The adapter's error classification and token handling, against scripted HTTP answers (the real
 * FHIR server is exercised end to end in test/http/fhir-delivery.test.ts).
 */
const ECHO = 'Chalmers-echoed-by-server';

interface Script {
  tokenStatus: number;
  transactionStatuses: number[];
}

describe('FhirKitDelivery', () => {
  let server: http.Server;
  let base: string;
  let script: Script;
  let seen: { tokens: number; transactions: number; authorizations: string[] };
  let privateJwk: JWK;
  let now = new Date('2026-01-01T00:00:00Z');

  beforeAll(async () => {
    const { privateKey } = await generateKeyPair('ES384', { extractable: true });
    privateJwk = { ...(await exportJWK(privateKey)), alg: 'ES384', kid: 'k1' };
    server = http.createServer((req, res) => {
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      req.resume();
      req.on('end', () => {
        if (req.url === '/token') {
          seen.tokens++;
          if (script.tokenStatus !== 200) return answer(script.tokenStatus, { error: ECHO });
          return answer(200, { access_token: `t${seen.tokens}`, expires_in: 300 });
        }
        seen.transactions++;
        seen.authorizations.push(req.headers.authorization ?? '');
        const status = script.transactionStatuses.shift() ?? 200;
        if (status >= 300) {
          return answer(status, { resourceType: 'OperationOutcome', issue: [{ diagnostics: ECHO }] });
        }
        answer(200, { resourceType: 'Bundle', type: 'transaction-response', entry: [{}, {}] });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    script = { tokenStatus: 200, transactionStatuses: [] };
    seen = { tokens: 0, transactions: 0, authorizations: [] };
    now = new Date('2026-01-01T00:00:00Z');
  });

  const config = (): FhirDeliveryConfig => ({
    baseUrl: `${base}/fhir`,
    tokenUrl: `${base}/token`,
    clientId: 'phi-pipeline',
    scope: 'system/*.write',
    privateJwk,
  });
  const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [] };
  const target = () => new FhirKitDelivery({ clock: { now: () => now }, timeoutMs: 5_000 });

  async function failure(work: Promise<unknown>) {
    try {
      await work;
    } catch (error) {
      if (!isPipelineError(error)) throw error;
      // Status codes only: nothing the server said travels on.
      expect(`${error.message} ${JSON.stringify(error.details)}`).not.toContain(ECHO);
      expect(error.options.cause).toBeUndefined();
      return { code: error.code, retryable: error.retryable, details: error.details };
    }
    throw new Error('the delivery succeeded');
  }

  it('posts with a bearer token and reuses it until shortly before it expires', async () => {
    const t = target();
    expect(await t.postTransaction(config(), bundle)).toEqual({ status: 200, entryCount: 2 });
    now = new Date(now.getTime() + 200_000);
    await t.postTransaction(config(), bundle);
    expect(seen.tokens).toBe(1);
    expect(seen.authorizations).toEqual(['Bearer t1', 'Bearer t1']);
    // 300 s token, renewed a minute before it lapses.
    now = new Date(now.getTime() + 45_000);
    await t.postTransaction(config(), bundle);
    expect(seen.tokens).toBe(2);
    expect(seen.authorizations.at(-1)).toBe('Bearer t2');
  });

  it.each([400, 403, 404, 409, 412, 422])(
    'HTTP %i from the server is a permanent delivery-rejected',
    async (status) => {
      script.transactionStatuses = [status];
      expect(await failure(target().postTransaction(config(), bundle))).toEqual({
        code: 'delivery-rejected',
        retryable: false,
        details: { stage: 'transaction', status },
      });
    },
  );

  it.each([408, 429, 500, 502, 503])(
    'HTTP %i from the server is a retryable delivery-unavailable',
    async (status) => {
      script.transactionStatuses = [status];
      expect(await failure(target().postTransaction(config(), bundle))).toMatchObject({
        code: 'delivery-unavailable',
        retryable: true,
      });
    },
  );

  it('answers a 401 once with a fresh token, and gives up after a second 401', async () => {
    const t = target();
    script.transactionStatuses = [401];
    await t.postTransaction(config(), bundle);
    expect(seen.tokens).toBe(2);
    expect(seen.authorizations).toEqual(['Bearer t1', 'Bearer t2']);
    script.transactionStatuses = [401, 401];
    expect(await failure(t.postTransaction(config(), bundle))).toMatchObject({
      code: 'delivery-rejected',
      details: { stage: 'transaction', status: 401 },
    });
  });

  it('classifies token endpoint answers the same way, without posting', async () => {
    script.tokenStatus = 401;
    expect(await failure(target().postTransaction(config(), bundle))).toEqual({
      code: 'delivery-rejected',
      retryable: false,
      details: { stage: 'token', status: 401 },
    });
    script.tokenStatus = 503;
    expect(await failure(target().postTransaction(config(), bundle))).toMatchObject({
      code: 'delivery-unavailable',
      details: { stage: 'token', status: 503 },
    });
    expect(seen.transactions).toBe(0);
  });

  it('treats a server that cannot be reached as retryable', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const unreachable = { ...config(), tokenUrl: `http://127.0.0.1:${port}/token` };
    expect(await failure(target().postTransaction(unreachable, bundle))).toEqual({
      code: 'delivery-unavailable',
      retryable: true,
      details: { stage: 'token' },
    });
  });
});

describe('transactionBundles', () => {
  const patient = (id: unknown) => ({ resourceType: 'Patient', id });
  const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

  it('makes PUT Type/id entries, idempotent on the server', () => {
    const { bundles, entries, skipped } = transactionBundles([patient(uuid(1)), patient('abc')]);
    expect({ entries, skipped }).toEqual({ entries: 2, skipped: 0 });
    expect(bundles).toEqual([
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            fullUrl: `urn:uuid:${uuid(1)}`,
            resource: patient(uuid(1)),
            request: { method: 'PUT', url: `Patient/${uuid(1)}` },
          },
          { resource: patient('abc'), request: { method: 'PUT', url: 'Patient/abc' } },
        ],
      },
    ]);
  });

  it('skips what it cannot PUT: no id, an invalid id, a repeated identity', () => {
    const result = transactionBundles([patient(undefined), patient('a b'), patient('x'), patient('x')]);
    expect({ entries: result.entries, skipped: result.skipped }).toEqual({ entries: 1, skipped: 3 });
  });

  it('splits into bundles of at most maxEntries, in order, and sends nothing for nothing', () => {
    const resources = [1, 2, 3, 4, 5].map((n) => patient(uuid(n)));
    const { bundles } = transactionBundles(resources, 2);
    expect(bundles.map((b) => (b.entry as unknown[]).length)).toEqual([2, 2, 1]);
    expect(transactionBundles([]).bundles).toEqual([]);
  });
});
