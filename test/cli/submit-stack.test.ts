import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SubmitResult, submitFiles } from '../../cli/submit-files.js';
import { IngestMessageSchema } from '../../shared/app/queue-messages.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { storageKeys } from '../../shared/app/storage-keys.js';
import { submissionRecords } from '../../shared/app/submission-records.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';
import { until } from '../helpers/until.js';
import { sampleNdjson } from '../helpers/uploads.js';

const quiet = { advance: () => {}, finish: () => {} };

describe('phi submit against the embedded stack: the upload path end to end', () => {
  let t: TestStack;
  let dir: string;
  let ndjson: Map<string, Buffer>;
  beforeAll(async () => {
    // Workers off: what verification queued stays in the ingest queue for the test to read.
    t = await startTestStack({ PHI_WORKERS: 'false' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'phi-submit-stack-'));
    ndjson = await sampleNdjson();
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const submit = async (
    paths: string[],
    opts: { directLimit?: number; change?: (label: string) => void } = {},
  ) =>
    submitFiles(await t.client(), paths, () => {}, {
      ...(opts.directLimit !== undefined ? { directLimit: opts.directLimit } : {}),
      upload: {
        waitMs: 60_000,
        progress: (label) => {
          opts.change?.(label);
          return quiet;
        },
      },
    });

  const ingested = async () =>
    (
      await t.stack.deps.queue.receive(queueNames.ingest, { maxMessages: 10, visibilityTimeoutSeconds: 1 })
    ).map((m) => IngestMessageSchema.parse(JSON.parse(m.body)));

  it('a Bulk Data export folder arrives as one verified submission: processing, raw files stored, one bulk message', async () => {
    const folder = path.join(dir, 'export');
    await mkdir(folder);
    const types = ['Patient', 'Encounter', 'Observation'];
    for (const type of types) await writeFile(path.join(folder, `${type}.ndjson`), ndjson.get(type) ?? '');
    const [r] = await submit([folder]);
    expect(r).toMatchObject({ file: folder, httpStatus: 201, status: 'processing', files: 3 });
    const id = r?.submissionId ?? '';
    const record = await submissionRecords.read(t.stack.deps.objects, 'demo', id);
    expect(record?.kind).toBe('bulk');
    // Sorted by name, as the manifest declared them.
    expect(record?.files?.map((f) => f.resourceType)).toEqual(['Encounter', 'Observation', 'Patient']);
    for (const i of [0, 1, 2])
      expect(await t.stack.deps.objects.exists(storageKeys.rawFile('demo', id, i))).toBe(true);
    const messages = (await ingested()).filter((m) => m.submissionId === id);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.kind).toBe('bulk');
  });

  it('a file altered after its declaration is refused at the PUT; the submission never verifies and queues nothing', async () => {
    const file = path.join(dir, 'Observation.ndjson');
    const body = ndjson.get('Observation') ?? Buffer.alloc(0);
    await writeFile(file, body);
    const [r] = await submit([file], {
      directLimit: 0,
      change: (label) => {
        if (!label.startsWith('upload')) return;
        const fd = openSync(file, 'r+');
        writeSync(fd, 'X', Math.floor(body.byteLength / 2));
        closeSync(fd);
      },
    });
    expect(r).toMatchObject({ httpStatus: 201, status: 'accepted' });
    expect(r?.error).toMatch(/file 0: the upload was refused \(HTTP 400 BadDigest\)/);
    const record = await submissionRecords.read(t.stack.deps.objects, 'demo', r?.submissionId ?? '');
    expect(record?.status).toBe('accepted');
    expect(await t.stack.deps.objects.exists(storageKeys.rawFile('demo', r?.submissionId ?? '', 0))).toBe(
      false,
    );
    expect((await ingested()).filter((m) => m.submissionId === r?.submissionId)).toEqual([]);
  });

  it('a line that is not a valid resource fails the whole submission: invalid-content, naming the file', async () => {
    const folder = path.join(dir, 'bad-export');
    await mkdir(folder);
    await writeFile(path.join(folder, 'Encounter.ndjson'), ndjson.get('Encounter') ?? '');
    const patients = (ndjson.get('Patient') ?? Buffer.alloc(0)).toString('utf8');
    await writeFile(
      path.join(folder, 'Patient.ndjson'),
      `${patients}${JSON.stringify({ resourceType: 'Patient', gender: 12 })}\n`,
    );
    const [r] = await submit([folder]);
    expect(r as SubmitResult).toMatchObject({
      status: 'failed',
      error: 'invalid-content',
      failure: { code: 'invalid-content', file: 'Patient.ndjson' },
    });
    expect((await ingested()).filter((m) => m.submissionId === r?.submissionId)).toEqual([]);
  });
});

describe('phi submit with the workers on, as users run the stack', () => {
  let t: TestStack;
  let dir: string;
  beforeAll(async () => {
    t = await startTestStack({ PHI_RETRY_BASE_SECONDS: '0' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'phi-submit-stack-on-'));
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('an export folder goes from the upload to delivered at every consumer', async () => {
    const ndjson = await sampleNdjson();
    const folder = path.join(dir, 'export');
    await mkdir(folder);
    for (const type of ['Patient', 'Condition', 'Observation']) {
      await writeFile(path.join(folder, `${type}.ndjson`), ndjson.get(type) ?? '');
    }
    const client = await t.client();
    const [r] = await submitFiles(client, [folder], () => {}, {
      upload: { waitMs: 60_000, progress: () => quiet },
    });
    expect(['processing', 'delivered']).toContain(r?.status);
    const id = r?.submissionId ?? '';
    const final = await until(
      async () => {
        const s = (await client.status(id)).json as {
          status?: string;
          consumers?: { id: string; status: string }[];
        };
        return s.status === 'delivered' || s.status === 'failed' || s.status === 'dead-lettered'
          ? s
          : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    expect(final.status).toBe('delivered');
    expect(final.consumers?.length).toBeGreaterThan(0);
    expect(final.consumers?.every((c) => c.status === 'delivered')).toBe(true);
  }, 120_000);
});
