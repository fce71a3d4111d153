import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, openSync, truncateSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgress, formatBytes } from '../../cli/progress.js';
import { resultLine, runSubmit, type SubmitResult, submitFiles } from '../../cli/submit-files.js';
import { startFakeUploadServer } from './submit-fake-server.js';

const sha256b64 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('base64');
const ndjson = (type: string, n: number, pad = 0) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({ resourceType: type, id: `${type}-${i}`, pad: 'x'.repeat(pad) }),
  )
    .join('\n')
    .concat('\n');

/** Collects what a stream gets; `isTTY` as the test asks. */
const sink = (isTTY = false) => {
  let text = '';
  return {
    isTTY,
    write: (s: string) => {
      text += s;
      return true;
    },
    text: () => text,
  };
};

const instant = { waitMs: 5_000, sleep: async () => {} };

describe('phi submit: the upload path (SPEC §5) against a stand-in server', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'phi-submit-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sends a Bulk Data export folder as ONE signed manifest, each file PUT whole with its checksum', async () => {
    const server = await startFakeUploadServer();
    try {
      const folder = path.join(dir, 'export-a');
      await mkdir(folder);
      const contents: Record<string, string> = {
        'Patient.ndjson': ndjson('Patient', 3),
        'Observation.000.ndjson': ndjson('Observation', 50),
        // A numbered file: the first line says what it holds.
        '7.ndjson': ndjson('Encounter', 4),
        'Condition.ndjson': '',
      };
      for (const [name, text] of Object.entries(contents)) await writeFile(path.join(folder, name), text);
      await writeFile(path.join(folder, 'README.txt'), 'not part of the export');
      const results = await submitFiles(server.client(), [folder], () => {}, { upload: instant });
      expect(results).toHaveLength(1);
      const r = results[0] as SubmitResult;
      // The empty file is not declared: the server takes no empty files, and there is nothing to send.
      expect(r).toMatchObject({ file: folder, httpStatus: 201, status: 'processing', files: 3 });
      expect(r.bytes).toBe(Object.values(contents).reduce((n, t) => n + Buffer.byteLength(t), 0));
      expect(server.uploads.size).toBe(1);
      const upload = [...server.uploads.values()][0];
      const declared = upload?.manifest.files ?? [];
      expect(declared.map((f) => [f.name, f.kind, f.resourceType])).toEqual([
        ['7.ndjson', 'fhir-ndjson', 'Encounter'],
        ['Observation.000.ndjson', 'fhir-ndjson', 'Observation'],
        ['Patient.ndjson', 'fhir-ndjson', 'Patient'],
      ]);
      for (const [i, f] of declared.entries()) {
        const text = contents[f.name] as string;
        expect(f.bytes).toBe(Buffer.byteLength(text));
        expect(f.contentDigest).toBe(`sha-256=:${sha256b64(text)}:`);
        expect(upload?.puts.filter((p) => p.index === i)).toEqual([
          { index: i, sha256: sha256b64(text), bytes: Buffer.byteLength(text), status: 200 },
        ]);
      }
    } finally {
      await server.close();
    }
  });

  it("takes the export manifest's `output` list and types when the folder has one", async () => {
    const server = await startFakeUploadServer();
    try {
      const folder = path.join(dir, 'export-b');
      await mkdir(folder);
      await writeFile(path.join(folder, 'file_1.ndjson'), ndjson('Patient', 2));
      await writeFile(path.join(folder, 'file_2.ndjson'), ndjson('Claim', 2));
      await writeFile(path.join(folder, 'stray.ndjson'), ndjson('Device', 1));
      await writeFile(
        path.join(folder, 'manifest.json'),
        JSON.stringify({
          transactionTime: '2026-12-01T00:00:00Z',
          request: 'https://ehr.example/$export',
          requiresAccessToken: true,
          output: [
            { type: 'Claim', url: 'https://ehr.example/files/file_2.ndjson' },
            { type: 'Patient', url: 'https://ehr.example/files/file_1.ndjson' },
          ],
          error: [],
        }),
      );
      const [r] = await submitFiles(server.client(), [folder], () => {}, { upload: instant });
      expect(r?.status).toBe('processing');
      const declared = [...server.uploads.values()][0]?.manifest.files ?? [];
      expect(declared.map((f) => [f.name, f.resourceType])).toEqual([
        ['file_2.ndjson', 'Claim'],
        ['file_1.ndjson', 'Patient'],
      ]);
    } finally {
      await server.close();
    }
  });

  it('posts a file at or under the direct limit as before, and one above it through the upload path', async () => {
    const server = await startFakeUploadServer();
    try {
      const small = path.join(dir, 'small.json');
      const large = path.join(dir, 'large.json');
      const bundle = (n: number) =>
        JSON.stringify(
          { resourceType: 'Bundle', type: 'transaction', entry: Array.from({ length: n }, () => ({ x: 1 })) },
          null,
          1,
        );
      await writeFile(small, bundle(5));
      await writeFile(large, bundle(400));
      const limit = Buffer.byteLength(bundle(5));
      const results = await submitFiles(server.client(), [small, large], () => {}, {
        directLimit: limit,
        upload: instant,
      });
      expect(results.map((r) => r.status)).toEqual(['accepted', 'processing']);
      expect(server.direct).toEqual([{ bytes: limit }]);
      const declared = [...server.uploads.values()][0]?.manifest.files ?? [];
      expect(declared).toEqual([
        expect.objectContaining({
          name: 'large.json',
          kind: 'fhir-bundle',
          bytes: Buffer.byteLength(bundle(400)),
        }),
      ]);
      expect(declared[0]).not.toHaveProperty('resourceType');
    } finally {
      await server.close();
    }
  });

  it('a file the server finds too large to POST (413: its limit is lower than ours) goes through the upload path', async () => {
    const server = await startFakeUploadServer({ maxBodyBytes: 2000 });
    try {
      const big = path.join(dir, 'over-server-limit.json');
      const small = path.join(dir, 'under-server-limit.json');
      const bundle = (n: number) =>
        JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: Array(n).fill({}) }, null, 1);
      await writeFile(big, bundle(1000));
      await writeFile(small, bundle(10));
      const results = await submitFiles(server.client(), [big, small], () => {}, { upload: instant });
      expect(results.map((r) => [r.httpStatus, r.status])).toEqual([
        [201, 'processing'],
        [202, 'accepted'],
      ]);
      expect(server.direct).toEqual([{ bytes: Buffer.byteLength(bundle(10)) }]);
      expect([...server.uploads.values()].map((u) => u.manifest.files.map((f) => [f.name, f.kind]))).toEqual([
        [['over-server-limit.json', 'fhir-bundle']],
      ]);
    } finally {
      await server.close();
    }
  });

  it('retries a PUT that failed (a 503, a cut connection) from the first byte, and counts each file once', async () => {
    const server = await startFakeUploadServer({
      put: (index, attempt) =>
        index === 0 && attempt === 1 ? 503 : index === 1 && attempt <= 2 ? 'drop' : undefined,
    });
    try {
      const folder = path.join(dir, 'export-c');
      await mkdir(folder);
      await writeFile(path.join(folder, 'A.ndjson'), ndjson('Patient', 200, 100));
      await writeFile(path.join(folder, 'B.ndjson'), ndjson('Observation', 200, 100));
      await writeFile(path.join(folder, 'C.ndjson'), ndjson('Encounter', 20));
      const err = sink();
      const slept: number[] = [];
      const [r] = await submitFiles(server.client(), [folder], () => {}, {
        upload: {
          waitMs: 5_000,
          sleep: async (ms) => {
            slept.push(ms);
          },
          progress: (label, total) => createProgress({ label, total, stream: err }),
        },
      });
      expect(r?.status).toBe('processing');
      const puts = [...server.uploads.values()][0]?.puts ?? [];
      expect(puts.filter((p) => p.index === 0).map((p) => p.status)).toEqual([503, 200]);
      expect(puts.filter((p) => p.index === 1).map((p) => p.status)).toEqual([200]);
      expect(slept.filter((ms) => ms >= 1000).length).toBeGreaterThanOrEqual(3);
      // The final line counts every byte once, not once per attempt.
      const total = r?.bytes ?? 0;
      expect(err.text()).toMatch(
        new RegExp(`upload ${folder.replace(/[/\\.]/g, '\\$&')}  sent ${formatted(total)} in`),
      );
    } finally {
      await server.close();
    }
  });

  it('a PUT refused before its body (an expired URL: 403 to Expect: 100-continue) sends nothing and is not retried', async () => {
    const server = await startFakeUploadServer({
      refuseBeforeBody: (index) => (index === 0 ? 403 : undefined),
    });
    try {
      const file = path.join(dir, 'expired.ndjson');
      await writeFile(file, ndjson('Patient', 80_000, 100));
      let sent = 0;
      const [r] = await submitFiles(server.client(), [file], () => {}, {
        directLimit: 0,
        upload: {
          ...instant,
          progress: (label) => ({
            advance: (n) => {
              if (label.startsWith('upload')) sent += n;
            },
            finish: () => {},
          }),
        },
      });
      expect(r?.error).toMatch(/file 0: the upload was refused \(HTTP 403\)/);
      expect(server.continueRefusals).toEqual([0]);
      expect([...server.uploads.values()][0]?.puts).toEqual([]);
      // At most what the read stream buffered before the answer (a chunk or two), never the file (~10 MB).
      expect(sent).toBeLessThan(3 * 1024 * 1024);
    } finally {
      await server.close();
    }
  });

  it('an interrupted run is resumed by running it again: the same manifest, fresh URLs, the files sent again', async () => {
    let broken = true;
    const server = await startFakeUploadServer({
      put: (index) => (broken && index === 1 ? 'drop' : undefined),
    });
    try {
      const folder = path.join(dir, 'export-e');
      await mkdir(folder);
      await writeFile(path.join(folder, 'A.ndjson'), ndjson('Patient', 20));
      await writeFile(path.join(folder, 'B.ndjson'), ndjson('Observation', 20));
      const run = () =>
        submitFiles(server.client(), [folder], () => {}, { upload: { ...instant, attempts: 2 } });
      const [first] = await run();
      expect(first?.error).toMatch(/file 1: upload failed after 2 attempt/);
      expect(first?.status).toBe('accepted');
      expect(resultLine(first as SubmitResult)).toBe(
        `${folder}: ${first?.submissionId} not sent: ${first?.error} (2 files, ${formatBytes(first?.bytes ?? 0)}); running the same command again resumes it`,
      );
      broken = false;
      const [second] = await run();
      expect(second).toMatchObject({
        httpStatus: 200,
        status: 'processing',
        submissionId: first?.submissionId,
      });
      expect(server.uploads.size).toBe(1);
      const puts = [...server.uploads.values()][0]?.puts ?? [];
      expect(puts.map((p) => [p.index, p.status])).toEqual([
        [0, 200],
        [0, 200],
        [1, 200],
      ]);
      // Once the submission moved on, a third run sends nothing.
      const [third] = await run();
      expect(third).toMatchObject({
        httpStatus: 200,
        status: 'processing',
        submissionId: second?.submissionId,
      });
      expect(puts).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it('reports a submission the server failed with its code and the file by name, and exits 1', async () => {
    const server = await startFakeUploadServer({
      settled: () => ({
        status: 'failed',
        failure: { code: 'upload-mismatch', file: 1, message: 'the file differs from its declaration' },
      }),
    });
    try {
      const folder = path.join(dir, 'export-d');
      await mkdir(folder);
      await writeFile(path.join(folder, 'A.ndjson'), ndjson('Patient', 2));
      await writeFile(path.join(folder, 'B.ndjson'), ndjson('Observation', 2));
      const out = sink();
      const err = sink();
      await expect(
        runSubmit(
          server.client(),
          [folder],
          { json: true, directLimit: 4 << 20, waitMs: 10_000 },
          { stdout: out, stderr: err },
        ),
      ).rejects.toThrow(/1 of 1 submission/);
      const line = JSON.parse(out.text().trim()) as SubmitResult;
      expect(line).toMatchObject({
        file: folder,
        httpStatus: 201,
        status: 'failed',
        error: 'upload-mismatch',
        failure: { code: 'upload-mismatch', file: 'B.ndjson' },
      });
      expect(line.submissionId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await server.close();
    }
  });

  it('a file changed after its declaration: shrunk fails at once, altered is refused by its checksum, grown sends the declared bytes', async () => {
    const server = await startFakeUploadServer();
    try {
      const original = ndjson('Patient', 500, 50);
      const names = ['shrinks', 'altered', 'grows'].map((n) => path.join(dir, `${n}.ndjson`));
      const [shrinks, altered, grows] = names as [string, string, string];
      for (const f of names) await writeFile(f, original);
      const change = (label: string) => {
        if (label === `upload ${shrinks}`) truncateSync(shrinks, 1000);
        if (label === `upload ${altered}`) {
          const fd = openSync(altered, 'r+');
          writeSync(fd, 'Q', 20_000);
          closeSync(fd);
        }
        if (label === `upload ${grows}`) appendFileSync(grows, ndjson('Patient', 1));
      };
      const results = await submitFiles(server.client(), names, () => {}, {
        directLimit: 0,
        upload: {
          ...instant,
          attempts: 3,
          progress: (label) => {
            change(label);
            return { advance: () => {}, finish: () => {} };
          },
        },
      });
      expect(results[0]?.error).toMatch(/changed since it was declared/);
      // Same size, other bytes: the checksum (as S3's would) refuses the PUT, and it is not retried.
      expect(results[1]?.error).toMatch(/refused \(HTTP 400\)/);
      expect(results[2]?.status).toBe('processing');
      const byName = (n: string) => [...server.uploads.values()].find((u) => u.manifest.files[0]?.name === n);
      const [second, third] = [byName('altered.ndjson'), byName('grows.ndjson')];
      expect(second?.puts.map((p) => p.status)).toEqual([400]);
      expect(third?.puts).toEqual([
        { index: 0, status: 200, bytes: Buffer.byteLength(original), sha256: sha256b64(original) },
      ]);
    } finally {
      await server.close();
    }
  });

  it('waits for the server to verify, boundedly: a submission still `accepted` at the bound is printed as such', async () => {
    const server = await startFakeUploadServer({ pendingPolls: 1_000 });
    try {
      const file = path.join(dir, 'slow.ndjson');
      await writeFile(file, ndjson('Patient', 3));
      let clock = 0;
      const [r] = await submitFiles(server.client(), [file], () => {}, {
        directLimit: 0,
        upload: {
          waitMs: 10_000,
          now: () => clock,
          sleep: async (ms) => {
            clock += ms;
          },
        },
      });
      expect(r?.status).toBe('accepted');
      const upload = [...server.uploads.values()][0];
      // 250, 500, 1000, 2000 ms, then every 2 s up to 10 s: a handful of polls, not a busy loop.
      expect(upload?.statusCalls).toBeGreaterThanOrEqual(5);
      expect(upload?.statusCalls).toBeLessThanOrEqual(10);
    } finally {
      await server.close();
    }
  });
});

function formatted(bytes: number): string {
  return formatBytes(bytes).replace('.', '\\.');
}
