import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListPartsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { S3UploadLanding } from '../../shared/adapters/aws/s3-upload-landing.js';
import { systemClock } from '../../shared/ports/clock.js';
import { createDataKey, type MotoClients, setUpMoto } from '../helpers/moto.js';
import { until } from '../helpers/until.js';

/**
 * phi submit's part uploader against presigned UploadPart, ListParts and CompleteMultipartUpload on
 * moto_server: SIGKILLed after some parts, run again, it sends only the missing ones and completes.
 * (moto checks neither signatures nor checksums: tampered parts are refused in the embedded tests.)
 */
const REPO = path.resolve(import.meta.dirname, '..', '..');
const MiB = 1024 * 1024;
const PART = 5 * MiB;
const PARTS = 8;
let clients: MotoClients;
let bucket: string;
let sseKey: string;
let dir: string;

setUpMoto(async (aws) => {
  ({ clients, bucket } = aws);
  sseKey = await createDataKey(clients.kms);
});
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'phi-resume-moto-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const runChild = (job: string) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/upload-parts-child.ts', job], {
    cwd: REPO,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done };
};

it('resumes a multipart upload on S3 after the uploader was SIGKILLed, and completes it whole', async () => {
  const body = randomBytes((PARTS - 1) * PART + 12_345);
  const file = path.join(dir, 'big.ndjson');
  await writeFile(file, body);
  const partSha256: string[] = [];
  for (let at = 0; at < body.byteLength; at += PART) {
    partSha256.push(
      createHash('sha256')
        .update(body.subarray(at, at + PART))
        .digest('base64'),
    );
  }
  const key = `uploads/demo/${randomUUID()}/0`;
  const landing = new S3UploadLanding(clients.s3, { bucket, sseKmsKeyId: sseKey, clock: systemClock });
  const uploadId = await landing.createMultipart(key);
  const expiresAt = new Date(Date.now() + 15 * 60_000);
  const offer = await landing.presignMultipart(key, uploadId, {
    bytes: body.byteLength,
    partBytes: PART,
    partSha256,
    expiresAt,
  });
  const job = path.join(dir, 'job.json');
  const stateDir = path.join(dir, 'state');
  await writeFile(
    job,
    JSON.stringify({
      file: { path: file, name: 'big.ndjson', bytes: body.byteLength, partSha256 },
      offer: { uploadId, partBytes: PART, ...offer },
      manifest: 'manifest-bytes',
      submissionId: 'moto-submission',
      expiresAt: expiresAt.toISOString(),
      stateDir,
    }),
  );
  const listed = async () =>
    (await clients.s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))).Parts ??
    [];

  const first = runChild(job);
  await until(async () => ((await listed()).length >= 2 ? true : undefined), {
    timeoutMs: 120_000,
    intervalMs: 20,
  });
  first.child.kill('SIGKILL');
  await first.done;
  await new Promise((r) => setTimeout(r, 500));
  const before = await listed();
  expect(before.length).toBeGreaterThanOrEqual(2);
  expect(before.length).toBeLessThan(PARTS);
  // One state file (a save the kill cut short may leave its temp file beside it; it goes at the end).
  expect((await readdir(stateDir)).filter((name) => name.endsWith('.json'))).toHaveLength(1);

  const second = await runChild(job).done;
  expect(second.code, second.stderr).toBe(0);
  expect(second.stdout.trim()).toBe(`done ${before.length}`);
  const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const stored = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
  expect(stored.equals(body)).toBe(true);
  expect(await readdir(stateDir)).toEqual([]);
}, 240_000);
