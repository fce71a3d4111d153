import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';
import { until } from '../helpers/until.js';
import { getWithToken, manifestOf, postManifest, putFile, sampleNdjson } from '../helpers/uploads.js';

/** The expiry check as users run the stack: workers on, the delayed upload-expiry message does it. */
describe('Bulk uploads: the delayed expiry check, workers on', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ PHI_UPLOAD_URL_SECONDS: '2', PHI_UPLOAD_GRACE_SECONDS: '0' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('fails a submission upload-incomplete once its URLs expired with a file missing, and refuses a late PUT', async () => {
    const body = (await sampleNdjson()).get('Patient') ?? Buffer.alloc(0);
    const created = await postManifest(
      t,
      manifestOf([
        { name: 'a.ndjson', kind: 'fhir-ndjson', resourceType: 'Patient', body },
        { name: 'b.ndjson', kind: 'fhir-ndjson', resourceType: 'Patient', body: Buffer.concat([body, body]) },
      ]),
    );
    expect(created.status, created.text).toBe(201);
    const id = created.json.submissionId ?? '';
    const [first, second] = created.json.files ?? [];
    if (first === undefined || second === undefined) throw new TypeError('missing upload URLs');
    expect((await putFile(t, first, body)).status).toBe(200);
    const failed = await until(
      async () => {
        const s = JSON.parse((await getWithToken(t, `/v1/submissions/${id}`)).text) as Record<
          string,
          unknown
        >;
        return s.status === 'failed' ? s : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(failed).toMatchObject({ kind: 'bulk', files: 2, failure: { code: 'upload-incomplete', file: 1 } });
    const late = await putFile(t, second, Buffer.concat([body, body]));
    expect(late.status).toBe(403);
    expect(late.text).toContain('AccessDenied');
  });
});
