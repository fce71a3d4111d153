import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/program.js';
import { startFakeUploadServer } from './submit-fake-server.js';

const ndjson = (type: string, n: number) =>
  `${Array.from({ length: n }, (_, i) => JSON.stringify({ resourceType: type, id: `${type}-${i}` })).join('\n')}\n`;

/** Runs `phi ARGS` in this process; stdout and stderr as written. */
async function phi(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation(
    (chunk: string | Uint8Array) => out.push(String(chunk)) > 0,
  );
  vi.spyOn(process.stderr, 'write').mockImplementation(
    (chunk: string | Uint8Array) => err.push(String(chunk)) > 0,
  );
  try {
    await runCli(['node', 'phi', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('Command: phi submit, the upload path', () => {
  let home: string;
  let server: Awaited<ReturnType<typeof startFakeUploadServer>>;
  const saved = process.env.PHI_HOME;
  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'phi-submit-cli-'));
    process.env.PHI_HOME = home;
    server = await startFakeUploadServer({}, home);
  });
  afterAll(async () => {
    await server.close();
    if (saved === undefined) delete process.env.PHI_HOME;
    else process.env.PHI_HOME = saved;
    await rm(home, { recursive: true, force: true });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('sends a folder as one submission and a file over --direct-limit through the upload path; --json lines', async () => {
    const folder = path.join(home, 'export');
    await mkdir(folder);
    await writeFile(path.join(folder, 'Patient.ndjson'), ndjson('Patient', 30));
    await writeFile(path.join(folder, 'Observation.ndjson'), ndjson('Observation', 90));
    const single = path.join(home, 'Encounter.ndjson');
    await writeFile(single, ndjson('Encounter', 10));
    const run = await phi(
      'submit',
      '--partner',
      'acme',
      '--url',
      server.url,
      '--json',
      '--direct-limit',
      '100',
      folder,
      single,
    );
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines.find((l) => l.file === folder)).toMatchObject({
      httpStatus: 201,
      status: 'processing',
      files: 2,
    });
    expect(lines.find((l) => l.file === single)).toMatchObject({
      httpStatus: 201,
      status: 'processing',
      files: 1,
    });
    expect(server.uploads.size).toBe(2);
    // Not a terminal: plain progress lines on stderr, no carriage returns or escapes.
    expect(run.stderr).toContain(`digest ${folder}  read`);
    expect(run.stderr).toContain(`upload ${folder}  sent`);
    expect(run.stderr).not.toContain('\r');
    expect(run.stderr).not.toContain('\u001b');
  });

  it('prints one line per submission, and a failed bulk submission exits 1 naming the file and code', async () => {
    const failing = await startFakeUploadServer(
      {
        settled: () => ({
          status: 'failed',
          failure: { code: 'invalid-content', file: 0, message: 'a line is not a valid resource' },
        }),
      },
      home,
    );
    try {
      const folder = path.join(home, 'bad-export');
      await mkdir(folder);
      await writeFile(path.join(folder, 'Claim.ndjson'), ndjson('Claim', 3));
      const run = await phi('submit', '--partner', 'acme', '--url', failing.url, folder);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        new RegExp(
          `^${folder}: [0-9a-f-]{36} failed invalid-content in Claim\\.ndjson: a line is not a valid resource \\(1 file, \\d+ B\\)\\n$`,
        ),
      );
      expect(run.stderr).toContain('1 of 1 submission(s) were not accepted');
    } finally {
      await failing.close();
    }
  });

  it('with --wait 0, prints the submission as accepted and says where to follow it', async () => {
    const file = path.join(home, 'Device.ndjson');
    await writeFile(file, ndjson('Device', 5));
    const run = await phi(
      'submit',
      '--partner',
      'acme',
      '--url',
      server.url,
      '--direct-limit',
      '0',
      '--wait',
      '0',
      file,
    );
    expect(run.code).toBe(0);
    const id = /([0-9a-f-]{36}) accepted/.exec(run.stdout)?.[1];
    expect(run.stdout).toBe(
      `${file}: ${id} accepted (1 file, ${Buffer.byteLength(ndjson('Device', 5))} B); still verifying, see phi status ${id}\n`,
    );
    const upload = server.uploads.get(id ?? '');
    expect(upload?.statusCalls).toBe(0);
    expect(upload?.puts.map((p) => p.status)).toEqual([200]);
  });

  it('refuses a --direct-limit or --wait that is not a whole number as a usage error', async () => {
    const run = await phi('submit', '--url', server.url, '--direct-limit', '4MB', 'x.json');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--direct-limit takes a whole number');
  });
});
