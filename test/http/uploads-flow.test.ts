import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPartner } from '../../local/partner-keys.js';
import type { PipelineDeps } from '../../shared/app/pipeline-deps.js';
import { IngestMessageSchema } from '../../shared/app/queue-messages.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { storageKeys } from '../../shared/app/storage-keys.js';
import { rawFileEncryptionContext } from '../../shared/app/submission.js';
import { checkUploadExpiry } from '../../shared/app/uploads/expiry.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';
import { until } from '../helpers/until.js';
import {
  digestOf,
  getWithToken,
  manifestOf,
  postManifest,
  putFile,
  sampleFile,
  sampleNdjson,
  type UploadFile,
} from '../helpers/uploads.js';

const POLL = { timeoutMs: 60_000, intervalMs: 100 };

describe('Bulk uploads: manifest, signed PUTs, arrival, verification (docs/uploads.md)', () => {
  let t: TestStack;
  let deps: PipelineDeps;
  const logLines: string[] = [];
  const restorers: (() => void)[] = [];

  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write;
      stream.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
        logLines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
        rest.find((r): r is () => void => typeof r === 'function')?.();
        return true;
      }) as typeof stream.write;
      restorers.push(() => {
        stream.write = original;
      });
    }
    // Workers off: each test drives the ingest and expiry queues itself, so it sees what went out.
    t = await startTestStack({ PHI_WORKERS: 'false', PHI_UPLOAD_GRACE_SECONDS: '0' });
    deps = t.stack.deps;
    await addPartner(t.home, deps.partners, deps.clock, 'other-lab');
  });
  afterAll(async () => {
    for (const restore of restorers.reverse()) restore();
    await t?.close();
  });

  const status = async (id: string, partner?: string) => {
    const res = await getWithToken(t, `/v1/submissions/${id}`, partner);
    return { status: res.status, text: res.text, json: JSON.parse(res.text) as Record<string, unknown> };
  };
  const settled = (id: string) =>
    until(async () => {
      const s = await status(id);
      return s.json.status !== 'accepted' ? s.json : undefined;
    }, POLL);
  const ingestMessages = async () => {
    const messages = await deps.queue.receive(queueNames.ingest, {
      maxMessages: 10,
      visibilityTimeoutSeconds: 1,
    });
    return messages.map((m) => IngestMessageSchema.parse(JSON.parse(m.body)));
  };
  async function upload(files: readonly UploadFile[]): Promise<string> {
    const created = await postManifest(t, manifestOf(files));
    expect(created.status, created.text).toBe(201);
    const targets = created.json.files ?? [];
    for (const [i, file] of files.entries()) {
      const target = targets[i];
      if (target === undefined) throw new TypeError('missing upload URL');
      const put = await putFile(t, target, file.body);
      expect(put.status, put.text).toBe(200);
    }
    return created.json.submissionId ?? '';
  }
  // Settling sets the status first and removes files after it (a crash in between leaves them for a
  // retry, never a settled-looking submission with files missing): a test that saw the status waits.
  const landedGone = (id: string) =>
    until(async () => ((await landed(id)).length === 0 ? true : undefined), POLL);
  const rawGone = (id: string) =>
    until(
      async () => ((await deps.objects.exists(storageKeys.rawFile('demo', id, 0))) ? undefined : true),
      POLL,
    );
  const landed = async (id: string): Promise<string[]> => {
    try {
      return await readdir(path.join(t.home, 'landing', 'uploads', 'demo', id));
    } catch {
      return [];
    }
  };

  it('verifies FHIR NDJSON, a Bundle and an 837, stores them encrypted, and queues one bulk message', async () => {
    const ndjson = await sampleNdjson();
    const files: UploadFile[] = [
      {
        name: 'Patient.ndjson',
        kind: 'fhir-ndjson',
        resourceType: 'Patient',
        body: ndjson.get('Patient') ?? Buffer.alloc(0),
      },
      {
        name: 'Observation.ndjson',
        kind: 'fhir-ndjson',
        resourceType: 'Observation',
        body: ndjson.get('Observation') ?? Buffer.alloc(0),
      },
      {
        name: 'bundle.json',
        kind: 'fhir-bundle',
        body: await sampleFile('samples/fhir/Bundle-bundle-transaction.json'),
      },
      { name: 'claims.837', kind: 'x12-837', body: await sampleFile('samples/x12/demo.example1.837') },
    ];
    const created = await postManifest(t, manifestOf(files));
    expect(created.status, created.text).toBe(201);
    expect(created.json.files?.map((f) => [f.name, f.method])).toEqual(files.map((f) => [f.name, 'PUT']));
    const expiresIn = Date.parse(created.json.expiresAt ?? '') - Date.now();
    expect(expiresIn).toBeGreaterThan(0);
    expect(expiresIn).toBeLessThanOrEqual(15 * 60_000);
    const id = created.json.submissionId ?? '';
    // Nothing verified before the last file lands.
    for (const [i, file] of files.entries()) {
      const target = created.json.files?.[i];
      if (target === undefined) throw new TypeError('missing upload URL');
      expect(target.headers['x-amz-checksum-sha256']).toBe(digestOf(file.body).slice(9, -1));
      expect((await status(id)).json.status).toBe('accepted');
      const put = await putFile(t, target, file.body);
      expect(put.status, put.text).toBe(200);
      expect(put.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    }
    const done = await settled(id);
    expect(done).toMatchObject({ id, kind: 'bulk', status: 'processing', files: 4 });
    const [message] = (await ingestMessages()).filter((m) => m.submissionId === id);
    expect(message).toMatchObject({ kind: 'bulk', partner: 'demo', key: `raw/demo/${id}` });
    expect(message?.files?.map((f) => [f.index, f.kind, f.bytes])).toEqual(
      files.map((f, i) => [i, f.kind, f.body.byteLength]),
    );
    for (const [i, file] of files.entries()) {
      const stored = await deps.objects.get(storageKeys.rawFile('demo', id, i));
      expect(Buffer.from(stored?.body ?? []).includes(file.body.subarray(0, 40))).toBe(false);
      const plain = await deps.envelope.decrypt(
        'data',
        stored?.body ?? new Uint8Array(),
        rawFileEncryptionContext('demo', id, i),
      );
      expect(Buffer.from(plain).equals(file.body)).toBe(true);
    }
    await landedGone(id);
    // The same manifest again: 200, same submission, nothing new.
    const again = await postManifest(t, manifestOf(files));
    expect(again.status).toBe(200);
    expect(again.json.submissionId).toBe(id);
  });

  it('refuses tampered PUTs like S3 and keeps nothing; a file landed off its declaration fails upload-mismatch', async () => {
    const ndjson = (await sampleNdjson()).get('Observation') ?? Buffer.alloc(0);
    const files: UploadFile[] = [
      { name: 'a.ndjson', kind: 'fhir-ndjson', resourceType: 'Observation', body: ndjson },
      {
        name: 'b.ndjson',
        kind: 'fhir-ndjson',
        resourceType: 'Observation',
        body: ndjson.subarray(0, ndjson.indexOf(10) + 1),
      },
    ];
    const created = await postManifest(t, manifestOf(files));
    const id = created.json.submissionId ?? '';
    const target = created.json.files?.[0];
    if (target === undefined) throw new TypeError('missing upload URL');
    // One byte changed, at the start, the middle and the end: 400 BadDigest each time.
    for (const at of [1, Math.floor(ndjson.byteLength / 2), ndjson.byteLength - 3]) {
      const tampered = Buffer.from(ndjson);
      tampered[at] = (tampered[at] ?? 0) ^ 0x01;
      const put = await putFile(t, target, tampered);
      expect(put.status).toBe(400);
      expect(put.text).toContain('<Code>BadDigest</Code>');
    }
    // Longer or shorter than declared, or its own checksum in the header: not what was signed.
    expect((await putFile(t, target, Buffer.concat([ndjson, Buffer.from('\n')]))).status).toBe(403);
    expect((await putFile(t, target, ndjson.subarray(1))).status).toBe(403);
    const own = {
      ...target,
      headers: { 'x-amz-checksum-sha256': digestOf(ndjson.subarray(1)).slice(9, -1) },
    };
    expect((await putFile(t, own, ndjson.subarray(1))).status).toBe(403);
    expect(await landed(id)).toEqual([]);
    expect((await status(id)).json.status).toBe('accepted');

    // A file that got past the door unlike its declaration (signed here for its real size and digest).
    const other = Buffer.concat([files[1]?.body ?? Buffer.alloc(0), Buffer.from(' ')]);
    const bypass = await deps.uploads.presignPut(storageKeys.upload('demo', id, 1), {
      checksumSha256: digestOf(other).slice(9, -1),
      bytes: other.byteLength,
      expiresAt: new Date(Date.now() + 60_000),
    });
    expect((await putFile(t, { url: bypass.url, headers: { ...bypass.headers } }, other)).status).toBe(200);
    expect((await putFile(t, target, ndjson)).status).toBe(200);
    const failed = await settled(id);
    expect(failed).toMatchObject({ status: 'failed', failure: { code: 'upload-mismatch', file: 1 } });
    expect((await ingestMessages()).some((m) => m.submissionId === id)).toBe(false);
    await landedGone(id);
    await rawGone(id);
    expect(await auditActions(id)).toEqual(['submission.accepted', 'upload.failed']);
  });

  it('fails upload-incomplete when not every file arrived by expiresAt', async () => {
    const body = (await sampleNdjson()).get('Patient') ?? Buffer.alloc(0);
    const files: UploadFile[] = [
      { name: 'p1.ndjson', kind: 'fhir-ndjson', resourceType: 'Patient', body },
      { name: 'p2.ndjson', kind: 'fhir-ndjson', resourceType: 'Patient', body: Buffer.concat([body, body]) },
    ];
    const created = await postManifest(t, manifestOf(files));
    const id = created.json.submissionId ?? '';
    const first = created.json.files?.[0];
    if (first === undefined) throw new TypeError('missing upload URL');
    expect((await putFile(t, first, body)).status).toBe(200);
    await until(async () => ((await landed(id)).length === 0 ? undefined : true), POLL);
    const message = {
      version: 1 as const,
      type: 'upload.expiry' as const,
      submissionId: id,
      partner: 'demo',
    };
    // Before expiresAt the check looks again later; after it, the submission fails.
    await checkUploadExpiry(deps, message);
    expect((await status(id)).json.status).toBe('accepted');
    const later = { ...deps, clock: { now: () => new Date(Date.now() + 16 * 60_000) } };
    await checkUploadExpiry(later, message);
    expect((await status(id)).json).toMatchObject({
      status: 'failed',
      failure: { code: 'upload-incomplete', file: 1 },
    });
    expect(await landed(id)).toEqual([]);
    // A late arrival finds it failed and is not kept.
    const second = created.json.files?.[1];
    if (second === undefined) throw new TypeError('missing upload URL');
    expect((await putFile(t, second, files[1]?.body ?? Buffer.alloc(0))).status).toBe(200);
    await until(async () => ((await landed(id)).length === 0 ? true : undefined), POLL);
    expect((await status(id)).json.status).toBe('failed');
  });

  const CANARY = 'ZZCANARY-Quixotic-4471';

  it('fails invalid-content on bad lines, lists them as OperationOutcome NDJSON, and never echoes a value', async () => {
    const patients = ((await sampleNdjson()).get('Patient') ?? Buffer.alloc(0)).toString('utf8').trim();
    const patient = JSON.parse(patients.split('\n')[0] ?? '{}') as Record<string, unknown>;
    const lines = [
      JSON.stringify(patient),
      `{"resourceType":"Patient","name":[{"family":"${CANARY}"}`,
      JSON.stringify({ ...patient, birthDate: `${CANARY}-not-a-date` }),
      JSON.stringify({ resourceType: 'Observation', id: 'o1', status: 'final', code: { text: CANARY } }),
      '',
      JSON.stringify(patient),
      JSON.stringify({ ...patient, gender: CANARY }),
    ];
    const bad = Buffer.from(`${lines.join('\n')}\n`);
    const x12 = (await sampleFile('samples/x12/demo.example1.837')).toString('latin1');
    // A claim whose CLM02 no longer balances with its lines (SNIP 3).
    const unbalanced = Buffer.from(
      x12.replace(/CLM\*([^*]+)\*(\d+)/, (_m, a: string, b: string) => `CLM*${a}*${Number(b) + 1}`),
      'latin1',
    );
    const files: UploadFile[] = [
      {
        name: 'good.ndjson',
        kind: 'fhir-ndjson',
        resourceType: 'Patient',
        body: Buffer.from(`${patients}\n`),
      },
      { name: 'bad.ndjson', kind: 'fhir-ndjson', resourceType: 'Patient', body: bad },
      { name: 'bad.837', kind: 'x12-837', body: unbalanced },
    ];
    const id = await upload(files);
    const failed = await settled(id);
    expect(failed).toMatchObject({ status: 'failed', failure: { code: 'invalid-content', file: 1 } });
    const errors = await getWithToken(t, `/v1/submissions/${id}/errors`);
    expect(errors.status).toBe(200);
    expect(errors.contentType).toBe('application/fhir+ndjson');
    const outcomes = errors.text
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            resourceType: string;
            extension: { url: string; valueInteger: number }[];
            issue: { expression: string[]; details: { coding: { code: string }[] } }[];
          },
      );
    const at = outcomes.map((o) => [
      o.extension.find((e) => e.url.endsWith('upload-file'))?.valueInteger,
      o.extension.find((e) => e.url.endsWith('upload-line'))?.valueInteger,
      o.issue[0]?.details.coding[0]?.code,
    ]);
    expect(at.slice(0, 4)).toEqual([
      [1, 2, 'invalid-json'],
      [1, 3, 'invalid-fhir'],
      [1, 4, 'invalid-fhir'],
      [1, 7, 'invalid-fhir'],
    ]);
    expect(outcomes[1]?.issue[0]?.expression[0]).toMatch(/^Patient\.birthDate/);
    expect(outcomes[2]?.issue[0]?.expression[0]).toBe('Patient.resourceType');
    expect(
      at.slice(4).every(([file, line, code]) => file === 2 && line === undefined && code === 'invalid-claim'),
    ).toBe(true);
    expect(at.length).toBeGreaterThan(4);
    expect(outcomes.every((o) => o.resourceType === 'OperationOutcome')).toBe(true);
    await rawGone(id);
    expect((await ingestMessages()).some((m) => m.submissionId === id)).toBe(false);

    // The canary is nowhere: status, errors, audit, logs, stored objects in the clear.
    const statusText = (await status(id)).text;
    const audit = await readAudit();
    for (const text of [statusText, errors.text, audit, logLines.join('\n')])
      expect(text).not.toContain(CANARY);
    expect(await auditActions(id)).toEqual(['submission.accepted', 'upload.failed']);
  });

  it('refuses an ISA13 this partner already sent, in an earlier submission or twice in one', async () => {
    const claim = await sampleFile('samples/x12/demo.example1.837');
    const withControl = (control: string) =>
      Buffer.from(
        claim
          .toString('latin1')
          .replace(/^(ISA(?:\*[^*]*){12}\*)\d{9}/, `$1${control}`)
          .replace(/IEA\*1\*\d{9}/, `IEA*1*${control}`),
        'latin1',
      );
    const fresh = withControl('000000909');
    const twice = withControl('000000919');
    const first = await upload([{ name: 'c.837', kind: 'x12-837', body: fresh }]);
    expect(await settled(first)).toMatchObject({ status: 'processing' });
    for (const files of [
      [{ name: 'again.837', kind: 'x12-837' as const, body: fresh }],
      [
        { name: 'x.837', kind: 'x12-837' as const, body: twice },
        { name: 'y.837', kind: 'x12-837' as const, body: Buffer.concat([twice, Buffer.from('\n')]) },
      ],
    ]) {
      const id = await upload(files);
      expect(await settled(id)).toMatchObject({ status: 'failed', failure: { code: 'invalid-content' } });
      const errors = (await getWithToken(t, `/v1/submissions/${id}/errors`)).text;
      expect(errors).toContain('"expression":["ISA13"]');
    }
  });

  it('answers another partner 404 exactly as an unknown id, for the status and the errors', async () => {
    const body = (await sampleNdjson()).get('Patient') ?? Buffer.alloc(0);
    const id = await upload([{ name: 'p.ndjson', kind: 'fhir-ndjson', resourceType: 'Patient', body }]);
    await settled(id);
    const unknown = '0b7a3f1e-2c4d-4e5f-8a9b-0c1d2e3f4a5b';
    for (const route of ['', '/errors']) {
      const theirs = await getWithToken(t, `/v1/submissions/${id}${route}`, 'other-lab');
      const none = await getWithToken(t, `/v1/submissions/${unknown}${route}`, 'other-lab');
      expect(theirs.status).toBe(404);
      expect(theirs.text).toBe(none.text);
      expect((await getWithToken(t, `/v1/submissions/${id}${route}`)).status).toBe(200);
    }
  });

  it('refuses a bad manifest with 422 invalid-manifest naming the field, and stores nothing', async () => {
    const body = Buffer.from('{"resourceType":"Patient"}\n');
    const base = {
      name: 'p.ndjson',
      kind: 'fhir-ndjson',
      resourceType: 'Patient',
      bytes: body.byteLength,
      contentDigest: digestOf(body),
    };
    const cases: [unknown, number, string, string][] = [
      [{ files: [{ ...base, name: `../${CANARY}` }] }, 422, 'invalid-manifest', 'files[0].name'],
      [
        { files: [base, { ...base, name: 'q', resourceType: CANARY }] },
        422,
        'invalid-manifest',
        'files[1].resourceType',
      ],
      [{ files: [{ ...base, bytes: 6 * 1024 ** 3 }] }, 422, 'invalid-manifest', 'files[0].bytes'],
    ];
    const before = (await deps.objects.list('submissions/demo/')).length;
    for (const [manifest, httpStatus, code, expression] of cases) {
      const res = await postManifest(t, manifest);
      expect(res.status).toBe(httpStatus);
      expect(res.json.issue?.[0]?.details?.coding?.[0]?.code).toBe(code);
      expect(res.json.issue?.[0]?.expression?.[0]).toBe(expression);
      expect(res.text).not.toContain(CANARY);
    }
    expect((await deps.objects.list('submissions/demo/')).length).toBe(before);
    const claimsOnly = await postManifest(
      t,
      { files: [base] },
      { headers: { 'Content-Type': 'application/fhir+json' } },
    );
    expect(claimsOnly.status).toBe(415);
  });

  async function readAudit(): Promise<string> {
    const dir = path.join(t.home, 'audit');
    const names = (await readdir(dir)).filter((n) => n.endsWith('.jsonl'));
    return (await Promise.all(names.map((n) => readFile(path.join(dir, n), 'utf8')))).join('\n');
  }
  async function auditActions(id: string): Promise<string[]> {
    return (await readAudit())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { action: string; submissionId?: string })
      .filter((r) => r.submissionId === id && r.action !== 'submission.read')
      .map((r) => r.action)
      .concat([]);
  }
});
