import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHI_BIN, REPO_ROOT } from '../helpers/phi-process.js';

/**
 * `phi --help` and every verb's `--help` load commander and the verbs' declarations only (issue 11:
 * start-up under 150 ms): what each verb runs is imported inside its action. Checked by the modules a
 * process loads, not by a timing, so it holds on a busy machine. A module-loading hook writes every
 * URL the process loads to a file.
 */
const run = promisify(execFile);

/** What a help screen must never load: the stack, the SDKs, schemas and definitions. */
const HEAVY =
  /node_modules\/(?:zod|jose|@aws-sdk|@aws-crypto|@smithy|@medplum|fhirpath|fhir-kit-client|selfsigned|better-sqlite3|@aws-lambda-powertools|@middy)\/|\/dist\/(?:shared\/(?:runtime|adapters\/embedded|crypto)|local\/(?:stack|http-host|workers))\//;

const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.STARTUP_TEST_LOADED, url + '\\n');
  return next(url, context);
}`;
const REGISTER = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`,
)}`;

let home: string;
let n = 0;

async function loadedBy(args: readonly string[]): Promise<string[]> {
  const log = join(home, `loaded-${n++}.txt`);
  await run(process.execPath, ['--import', REGISTER, PHI_BIN, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', PHI_HOME: join(home, 'phi'), STARTUP_TEST_LOADED: log },
  });
  return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
}

beforeAll(async () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT }).catch(() => undefined);
  if (!existsSync(PHI_BIN)) throw new Error('the CLI did not build');
  home = await mkdtemp(join(tmpdir(), 'phi-startup-'));
}, 120_000);

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('phi start-up', () => {
  it.each([
    [['--help']],
    [['status', '--help']],
    [['submit', '--help']],
    [['deid', '--help']],
    [['dlq', 'replay', '--help']],
    [['audit', 'export', '--help']],
    [['consumer', 'fhir-key', '--help']],
    [['aws', 'provision', '--help']],
    [['demo', '--help']],
    [['start', '--help']],
  ])('phi %j loads commander and the declarations only', async (args) => {
    const loaded = await loadedBy(args);
    expect(loaded.some((url) => url.includes('/node_modules/commander/'))).toBe(true);
    expect(loaded.filter((url) => HEAVY.test(url))).toEqual([]);
  });

  it.each([
    [['dlq', 'list'], /node_modules\/(?:@aws-crypto|@aws-sdk|@smithy|jose)\//],
    [['audit', 'verify'], /node_modules\/(?:@aws-crypto|@aws-sdk|@smithy|jose)\//],
    [['partner', 'add', `startup-probe-${Date.now()}`], /node_modules\/(?:@aws-crypto|@aws-sdk|@smithy)\//],
  ])(
    'phi %j, a verb that opens no object, never loads the Encryption SDK',
    async (args, never) => {
      // The first verb on a new PHI_HOME makes its TLS files and the demo partner's key (jose).
      await loadedBy(['audit', 'verify']);
      const loaded = await loadedBy(args);
      expect(loaded.some((url) => url.includes('/dist/shared/runtime/embedded-deps.js'))).toBe(true);
      expect(loaded.filter((url) => never.test(url))).toEqual([]);
    },
    60_000,
  );

  it('sees what a verb loads when it runs (the probe is not blind)', async () => {
    const loaded = await loadedBy(['audit', 'verify']);
    for (const module of [
      '/node_modules/zod/',
      '/dist/shared/runtime/config.js',
      '/node_modules/better-sqlite3/',
    ])
      expect(
        loaded.some((url) => url.includes(module)),
        module,
      ).toBe(true);
  }, 60_000);
});
