import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsRequest } from '../../cli/client/https-request.js';
import { addPartner } from '../../local/partner-keys.js';
import { IngestMessageSchema } from '../../shared/app/queue-messages.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';

const fixture = (name: string) => readFile(path.resolve(import.meta.dirname, '../../samples', name));

describe('Ingest over HTTPS: the happy path', () => {
  let t: TestStack;
  beforeAll(async () => {
    // Door only: these tests look at the ingest queue and the status before any worker runs.
    t = await startTestStack({ PHI_WORKERS: 'false' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('accepts a FHIR bundle with 202, stores only ciphertext under an id-only key, and queues a pointer', async () => {
    // Prepare
    const client = await t.client();
    const body = await fixture('fhir/Bundle-bundle-transaction.json');

    // Act
    const res = await client.submit(body);

    // Assess
    expect(res.status).toBe(202);
    const json = res.json as { submissionId: string; status: string; contentDigest: string };
    expect(json.status).toBe('accepted');
    expect(json.submissionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.location).toBe(`/v1/submissions/${json.submissionId}`);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');

    const raw = await t.stack.deps.objects.get(`raw/demo/${json.submissionId}`);
    expect(raw).toBeDefined();
    expect(Buffer.from(raw?.body ?? []).includes(body.subarray(0, 40))).toBe(false);
    const decrypted = await t.stack.deps.envelope.decrypt('data', raw?.body ?? new Uint8Array(), {
      purpose: 'raw-submission',
      submissionId: json.submissionId,
      partner: 'demo',
    });
    expect(Buffer.from(decrypted).equals(body)).toBe(true);

    const [message] = await t.stack.deps.queue.receive('ingest', {
      maxMessages: 10,
      visibilityTimeoutSeconds: 1,
    });
    const parsed = IngestMessageSchema.parse(JSON.parse(message?.body ?? '{}'));
    expect(parsed.submissionId).toBe(json.submissionId);
    expect(parsed.contentDigest).toBe(json.contentDigest);
  });

  it('answers the same submission again with 200 and the first id, storing nothing new', async () => {
    const client = await t.client();
    const body = await fixture('fhir/Bundle-bundle-transaction.json');
    const before = await t.stack.deps.objects.list('raw/');

    const again = await client.submit(body);

    expect(again.status).toBe(200);
    expect(await t.stack.deps.objects.list('raw/')).toEqual(before);
  });

  it('reuses an Idempotency-Key with other content as 422 idempotency-key-reused', async () => {
    const client = await t.client();
    const first = await client.submit(await fixture('fhir/Bundle-bundle-transaction.json'), {
      idempotencyKey: 'k-1',
    });
    const other = await client.submit(
      Buffer.from(JSON.stringify({ resourceType: 'Bundle', type: 'collection' })),
      {
        idempotencyKey: 'k-1',
      },
    );
    expect([200, 202]).toContain(first.status);
    expect(other.status).toBe(422);
    expect(JSON.stringify(other.json)).toContain('idempotency-key-reused');
  });

  it('accepts an X12 837 claim file on /v1/claims, standard (b64) JWS encoding too', async () => {
    const client = await t.client();
    const res = await client.submit(await fixture('x12/demo.example1.837'), { encoding: 'standard' });
    expect(res.status).toBe(202);
  });

  it("shows a submission's status to its partner and 404 to any other partner", async () => {
    const client = await t.client();
    const res = await client.submit(
      Buffer.from(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [] })),
    );
    const id = (res.json as { submissionId: string }).submissionId;

    const mine = await client.status(id);
    expect(mine.status).toBe(200);
    expect(mine.json).toMatchObject({ id, kind: 'bundle', status: 'accepted', consumers: [] });

    await addPartner(t.home, t.stack.deps.partners, t.stack.deps.clock, 'other-lab');
    const theirs = await (await t.client('other-lab')).status(id);
    const unknown = await client.status('00000000-0000-4000-8000-000000000000');
    expect(theirs.status).toBe(404);
    expect(unknown.status).toBe(404);
    // Another partner's id must be indistinguishable from an unknown one.
    expect(theirs.body.toString()).toBe(unknown.body.toString());
  });

  it('serves the SMART configuration and the issuer JWKS', async () => {
    const conf = await httpsRequest(`${t.url}/.well-known/smart-configuration`, { method: 'GET', ca: t.ca });
    const jwks = await httpsRequest(`${t.url}/.well-known/jwks.json`, { method: 'GET', ca: t.ca });
    expect(conf.status).toBe(200);
    expect(JSON.parse(conf.body.toString())).toMatchObject({
      token_endpoint: `${t.url}/v1/token`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
    });
    const keys = (JSON.parse(jwks.body.toString()) as { keys: { kty: string; d?: string }[] }).keys;
    expect(keys).toHaveLength(1);
    expect(keys[0]?.kty).toBe('EC');
    expect(keys[0]?.d).toBeUndefined();
  });
});
