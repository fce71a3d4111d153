import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, createWriteStream, openSync, writeSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitFiles } from '../../cli/submit-files.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { checkUploadExpiry } from '../../shared/app/uploads/expiry.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';
import { until } from '../helpers/until.js';
import { sampleNdjson } from '../helpers/uploads.js';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const MiB = 1024 * 1024;
const PART = 5 * MiB;
const PARTS = 8;

/** `phi submit` as a user runs it, in its own process (tsx, no build), so the test can SIGKILL it. */
function phiSubmit(
  t: TestStack,
  file: string,
): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bin/phi.ts',
      'submit',
      '--partner',
      'demo',
      '--url',
      t.url,
      '--json',
      '--wait',
      '60',
      '--part-size',
      String(PART),
      file,
    ],
    { cwd: REPO, env: { ...process.env, PHI_HOME: t.home, POWERTOOLS_LOG_LEVEL: 'SILENT' } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

describe('phi submit resumes an upload in parts after the process was killed (docs/uploads.md "Multipart")', () => {
  let t: TestStack;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    t = await startTestStack({ PHI_WORKERS: 'false' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'phi-submit-resume-'));
    file = path.join(dir, 'Observation.ndjson');
    const lines = (await sampleNdjson()).get('Observation') ?? Buffer.alloc(0);
    const out = createWriteStream(file);
    for (let written = 0; written < (PARTS - 1) * PART + 1; written += lines.byteLength) out.write(lines);
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Part records the local landing zone holds for open multipart uploads. */
  const landedParts = async (): Promise<string[]> => {
    const root = path.join(t.home, 'landing', '.multipart');
    const uploads = await readdir(root).catch(() => [] as string[]);
    const found: string[] = [];
    for (const u of uploads) {
      for (const name of await readdir(path.join(root, u)).catch(() => [] as string[])) {
        if (/^part-\d+\.json$/.test(name)) found.push(`${u}/${name}`);
      }
    }
    return found;
  };

  it('SIGKILLed after some parts, run again: only the missing parts go, the file arrives whole and verified', async () => {
    const first = phiSubmit(t, file);
    const stateDir = path.join(t.home, 'upload-state');
    // Killed once parts have landed and the client has recorded at least one of them (on a loaded
    // machine the server can land a part well before the client saves its answer).
    const recordedParts = async (): Promise<number> => {
      const names = (await readdir(stateDir).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));
      const text =
        names[0] === undefined
          ? undefined
          : await readFile(path.join(stateDir, names[0]), 'utf8').catch(() => undefined);
      if (text === undefined) return 0;
      try {
        const parsed = JSON.parse(text) as { files?: Record<string, { parts?: Record<string, unknown> }> };
        return Object.keys(parsed.files?.['0']?.parts ?? {}).length;
      } catch {
        return 0;
      }
    };
    await until(
      async () => ((await landedParts()).length >= 2 && (await recordedParts()) >= 1 ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 20 },
    );
    first.child.kill('SIGKILL');
    await first.done;
    // Requests the kill cut off end on the server side (their temp files go); then count what landed.
    await new Promise((r) => setTimeout(r, 500));
    const landed = await landedParts();
    expect(landed.length).toBeGreaterThanOrEqual(2);
    expect(landed.length).toBeLessThan(PARTS);

    // The resume state: ids, part numbers, ETags and checksums, never the file's name, path or content.
    const [stateName] = (await readdir(stateDir)).filter((n) => n.endsWith('.json'));
    const stateText = await readFile(path.join(stateDir, stateName ?? ''), 'utf8');
    const state = JSON.parse(stateText) as {
      submissionId: string;
      files: Record<string, { parts: Record<string, unknown> }>;
    };
    expect(Object.keys(state.files)).toEqual(['0']);
    expect(Object.keys(state.files['0']?.parts ?? {}).length).toBeGreaterThanOrEqual(1);
    expect(stateText).not.toContain('Observation');
    expect(stateText).not.toContain(dir);

    const second = await phiSubmit(t, file).done;
    expect(second.code, second.stderr).toBe(0);
    const result = JSON.parse(second.stdout.trim()) as Record<string, unknown>;
    expect(result).toMatchObject({
      submissionId: state.submissionId,
      httpStatus: 200,
      status: 'processing',
      files: 1,
    });
    // Exactly the parts that had landed were skipped: nothing already there was sent again.
    expect(result.partsResumed).toBe(landed.length);
    expect(second.stderr).toContain(`resuming ${state.submissionId}`);
    // Done: the state file is gone (and any temp file a killed save left), and so are the landed parts.
    expect(await readdir(stateDir)).toEqual([]);
    await until(async () => ((await landedParts()).length === 0 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  }, 240_000);

  it('a part changed after the declaration is refused; the submission fails upload-incomplete, nothing queued', async () => {
    const changed = path.join(dir, 'Changed.ndjson');
    await copyFile(file, changed);
    const client = await t.client();
    const [result] = await submitFiles(client, [changed], () => {}, {
      upload: {
        waitMs: 0,
        partBytes: PART,
        multipartAbove: PART,
        stateDir: path.join(dir, 'state-changed'),
        progress: (label: string) => {
          // Declared (digest pass done), then one byte of the last part changes before it is sent.
          if (label.startsWith('upload')) {
            const fd = openSync(changed, 'r+');
            writeSync(fd, Buffer.from('#'), 0, 1, (PARTS - 1) * PART + 10);
            closeSync(fd);
          }
          return { advance: () => {}, finish: () => {} };
        },
      },
    });
    const id = result?.submissionId ?? '';
    expect(result?.error).toMatch(
      new RegExp(`file 0 part ${PARTS}: the upload was refused \\(HTTP 400 BadDigest\\)`),
    );
    expect(result?.status).toBe('accepted');
    const queued = await t.stack.deps.queue.receive(queueNames.ingest, {
      maxMessages: 10,
      visibilityTimeoutSeconds: 1,
    });
    expect(queued.filter((m) => m.body.includes(id))).toEqual([]);
    const message = {
      version: 1 as const,
      type: 'upload.expiry' as const,
      submissionId: id,
      partner: 'demo',
    };
    for (const minutes of [16, 60]) {
      await checkUploadExpiry(
        { ...t.stack.deps, clock: { now: () => new Date(Date.now() + minutes * 60_000) } },
        message,
      );
    }
    const record = await t.stack.deps.objects.get(`submissions/demo/${id}.json`);
    expect(JSON.parse(Buffer.from(record?.body ?? []).toString('utf8'))).toMatchObject({
      status: 'failed',
      failure: { code: 'upload-incomplete', file: 0 },
    });
    // Settled: its open multipart upload is aborted, no part of it stays.
    expect(await landedParts()).toEqual([]);
  }, 240_000);
});
