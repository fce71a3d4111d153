import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPartner } from '../../local/partner-keys.js';
import type { PipelineDeps } from '../../shared/app/pipeline-deps.js';
import { processSubmission } from '../../shared/app/process-submission.js';
import { IngestMessageSchema } from '../../shared/app/queue-messages.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { storageKeys } from '../../shared/app/storage-keys.js';
import { ackGuideFor } from '../../shared/core/x12/ack/guides.js';
import { readX12 } from '../../shared/core/x12/reader.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';
import { until } from '../helpers/until.js';
import {
  getWithToken,
  manifestOf,
  postManifest,
  putFile,
  sampleFile,
  type UploadFile,
} from '../helpers/uploads.js';

/**
 * An 837 uploaded through POST /v1/uploads gets the TA1 and 999 a claim sent to /v1/claims gets, at
 * GET /v1/submissions/{id}/acknowledgement (SPEC §5), written from the streamed verification and
 * stored encrypted; a file failed on its content gets the rejecting ones.
 */
const POLL = { timeoutMs: 60_000, intervalMs: 100 };

const segments = (x12: string): string[][] =>
  x12
    .split('~')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => s.split('*'));
const all = (x12: string, id: string) => segments(x12).filter((s) => s[0] === id);

describe('Bulk 837s are acknowledged like direct claims', () => {
  let t: TestStack;
  let deps: PipelineDeps;
  let claim: Buffer;
  beforeAll(async () => {
    t = await startTestStack({ PHI_WORKERS: 'false', PHI_UPLOAD_GRACE_SECONDS: '0' });
    deps = t.stack.deps;
    await addPartner(t.home, deps.partners, deps.clock, 'other-lab');
    claim = await sampleFile('samples/x12/demo.example1.837');
  });
  afterAll(async () => {
    await t?.close();
  });

  const withControl = (control: string, body = claim) =>
    Buffer.from(
      body
        .toString('latin1')
        .replace(/^(ISA(?:\*[^*]*){12}\*)\d{9}/, `$1${control}`)
        .replace(/IEA\*1\*\d{9}/, `IEA*1*${control}`),
      'latin1',
    );

  async function upload(files: readonly UploadFile[]): Promise<string> {
    const created = await postManifest(t, manifestOf(files));
    expect(created.status, created.text).toBe(201);
    for (const [i, file] of files.entries()) {
      const target = created.json.files?.[i];
      if (target === undefined) throw new TypeError('missing upload URL');
      expect((await putFile(t, target, file.body)).status).toBe(200);
    }
    return created.json.submissionId ?? '';
  }
  const settled = (id: string) =>
    until(async () => {
      const s = JSON.parse((await getWithToken(t, `/v1/submissions/${id}`)).text) as { status: string };
      return s.status !== 'accepted' ? s : undefined;
    }, POLL);
  const ack = (id: string, type: string, partner?: string) =>
    getWithToken(t, `/v1/submissions/${id}/acknowledgement?type=${type}`, partner);

  it('answers the TA1 and 999 of every interchange of every 837 file, accepted, and they read back', async () => {
    const files: UploadFile[] = [
      { name: 'a.837', kind: 'x12-837', body: withControl('000001201') },
      { name: 'b.837', kind: 'x12-837', body: withControl('000001202') },
    ];
    const id = await upload(files);
    expect(await settled(id)).toMatchObject({ status: 'processing' });

    const ta1 = await ack(id, 'ta1');
    expect(ta1.status).toBe(200);
    expect(ta1.contentType).toBe('application/edi-x12');
    expect(all(ta1.text, 'TA1').map((s) => [s[1], s[4], s[5]])).toEqual([
      ['000001201', 'A', '000'],
      ['000001202', 'A', '000'],
    ]);

    const functional = await ack(id, '999');
    expect(functional.status).toBe(200);
    expect(functional.contentType).toBe('application/edi-x12');
    expect(all(functional.text, 'ST').map((s) => s[1])).toEqual(['999', '999']);
    expect(all(functional.text, 'AK9').map((s) => s[1])).toEqual(['A', 'A']);
    expect(all(functional.text, 'IK5').every((s) => s[1] === 'A')).toBe(true);
    // Each 999 interchange reads back under the 999 guide with no issue.
    const read = readX12(new TextEncoder().encode(functional.text), undefined, { guides: ackGuideFor });
    expect(read.issues).toEqual([]);
    expect(read.interchanges.length).toBe(2);

    // No 277CA before processing; the ingest worker writes one per file once it has run.
    expect((await ack(id, '277ca')).status).toBe(404);
    const messages = await deps.queue.receive(queueNames.ingest, {
      maxMessages: 10,
      visibilityTimeoutSeconds: 1,
    });
    const ingest = messages
      .map((m) => IngestMessageSchema.parse(JSON.parse(m.body)))
      .find((m) => m.submissionId === id);
    if (ingest === undefined) throw new TypeError('no ingest message');
    await processSubmission(deps, ingest);
    const ca = await ack(id, '277ca');
    expect(ca.status).toBe(200);
    expect(all(ca.text, 'ST').map((s) => s[1])).toEqual(['277', '277']);
    expect(all(ca.text, 'STC').length).toBeGreaterThan(0);
    const caRead = readX12(new TextEncoder().encode(ca.text), undefined, { guides: ackGuideFor });
    expect(caRead.issues).toEqual([]);

    // Stored encrypted: the object is not the acknowledgement's text.
    const stored = await deps.objects.get(storageKeys.acknowledgement('demo', id, '999'));
    expect(stored).toBeDefined();
    expect(Buffer.from(stored?.body ?? new Uint8Array()).toString('latin1')).not.toContain('ST*999');
  });

  it('answers a file failed on its content with the rejecting 999, naming the position', async () => {
    const unbalanced = Buffer.from(
      withControl('000001203')
        .toString('latin1')
        .replace(/CLM\*([^*]+)\*(\d+)/, (_m, a: string, b: string) => `CLM*${a}*${Number(b) + 1}`),
      'latin1',
    );
    const id = await upload([{ name: 'bad.837', kind: 'x12-837', body: unbalanced }]);
    expect(await settled(id)).toMatchObject({ status: 'failed' });
    const functional = await ack(id, '999');
    expect(functional.status).toBe(200);
    expect(all(functional.text, 'AK9')[0]?.[1]).toBe('R');
    expect(all(functional.text, 'IK5')[0]?.[1]).toBe('R');
    expect(all(functional.text, 'IK3').length).toBeGreaterThan(0);
    expect(all((await ack(id, 'ta1')).text, 'TA1')[0]?.[4]).toBe('A');
  });

  it('rejects a repeated ISA13 with TA1 025 and no 999', async () => {
    const first = await upload([{ name: 'c.837', kind: 'x12-837', body: withControl('000001204') }]);
    expect(await settled(first)).toMatchObject({ status: 'processing' });
    const again = await upload([{ name: 'd.837', kind: 'x12-837', body: withControl('000001204') }]);
    expect(await settled(again)).toMatchObject({ status: 'failed' });
    const ta1 = await ack(again, 'ta1');
    expect(all(ta1.text, 'TA1').map((s) => [s[1], s[4], s[5]])).toEqual([['000001204', 'R', '025']]);
    expect((await ack(again, '999')).status).toBe(404);
    // The first submission's acknowledgements are unchanged.
    expect(all((await ack(first, 'ta1')).text, 'TA1')[0]?.[4]).toBe('A');
  });

  it('answers 404 for a bulk submission without 837s and for another partner', async () => {
    const claimId = await upload([{ name: 'e.837', kind: 'x12-837', body: withControl('000001205') }]);
    await settled(claimId);
    expect((await ack(claimId, '999', 'other-lab')).status).toBe(404);
    const bundle = await sampleFile(
      'test/fixtures/synthea/Lynwood354_Powlowski563_edca2a50-d3e4-4663-a104-6c226d5a8fcd.json',
    );
    const bundleId = await upload([{ name: 'b.json', kind: 'fhir-bundle', body: bundle }]);
    await settled(bundleId);
    expect((await ack(bundleId, '999')).status).toBe(404);
    expect((await ack(bundleId, 'ta1')).status).toBe(404);
  });
});
