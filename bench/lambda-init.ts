import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { packageRoot } from '../local/package-root.js';

/**
 * One packaged Lambda function (`.serverless/<name>.zip`, as `npm run package` writes it).
 * - `name`: the function's key in serverless.yml (`ingest`, `deliverAnalytics`, ...).
 * - `ms`: median cold init: the time to load the handler module in a fresh `node` process
 *   (require of a CommonJS handler, import of an ES module one), measured inside that process,
 *   over `runs` processes.
 * - `maxMs`: the slowest of those runs.
 * - `cpuMs`: median CPU time (user + system, all threads) of the same load: what the load costs
 *   whatever else the machine is doing (wall time on a shared machine mostly measures waiting).
 * - `bytes`: the zip's size, what Lambda downloads.
 * - `unzippedBytes`: the files once unpacked (handler bundle plus any data files shipped beside it).
 * - `handlerBytes`: the handler bundle alone.
 * - `runs`: how many processes were timed.
 */
export interface LambdaInitRow {
  readonly name: string;
  readonly ms: number;
  readonly maxMs: number;
  readonly cpuMs: number;
  readonly bytes: number;
  readonly unzippedBytes: number;
  readonly handlerBytes: number;
  readonly runs: number;
}

export interface LambdaInitOptions {
  /** Processes per function (default 5). */
  readonly runs?: number;
  /** Where the zips are (default: .serverless of this checkout). */
  readonly dir?: string;
  /** Run `npm run package` first (osls + serverless-esbuild, offline; about half a minute). */
  readonly build?: boolean;
}

/** Reads a (non-zip64) zip's entries: the central directory gives names and offsets. */
function unzip(zip: Buffer): Map<string, Buffer> {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error('not a zip archive');
  const files = new Map<string, Buffer>();
  let offset = zip.readUInt32LE(end + 16);
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    const method = zip.readUInt16LE(offset + 10);
    const size = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const local = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const body = zip.subarray(start, start + size);
    if (!name.endsWith('/')) files.set(name, method === 8 ? inflateRawSync(body) : Buffer.from(body));
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return files;
}

/** The one bundled handler under functions/ (serverless-esbuild writes `functions/<file>.{js,mjs}`). */
function handlerEntry(files: ReadonlyMap<string, Buffer>): string {
  const entries = [...files.keys()].filter((f) => /^functions\/[^/]+\.(c|m)?js$/.test(f));
  if (entries.length !== 1) throw new Error(`expected one handler under functions/, found ${entries.length}`);
  return entries[0] as string;
}

/**
 * Runs in the fresh process: loads the handler the way the Lambda Node.js runtime does (require for
 * CommonJS, import for an ES module) and prints the milliseconds it took.
 */
const PROBE = `
const file = process.argv[1];
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const load = file.endsWith('.mjs') ? import(require('node:url').pathToFileURL(file).href) : Promise.resolve(require(file));
load.then((m) => {
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (typeof m.handler !== 'function') { console.error('no handler export'); process.exit(3); }
  process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000 }));
});
`;

function median(sorted: readonly number[]): number {
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

/** A Lambda-like environment: what the handler modules may read while loading, and nothing of ours. */
function lambdaEnv(name: string, root: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    LAMBDA_TASK_ROOT: root,
    AWS_LAMBDA_FUNCTION_NAME: `phi-pipeline-dev-${name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_REGION: 'us-east-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    NODE_OPTIONS: '',
    PHI_TARGET: 'aws',
  };
}

/**
 * Cold init and size of every packaged function: each zip is unpacked into a temporary folder and its
 * handler loaded in `runs` fresh `node` processes (the median is reported). Init here is module load
 * only, what Lambda's Init phase runs before the first event; adapters are built on first use.
 */
export async function measureLambdaInit(options: LambdaInitOptions = {}): Promise<LambdaInitRow[]> {
  const runs = options.runs ?? 5;
  const root = packageRoot();
  const dir = options.dir ?? path.join(root, '.serverless');
  if (options.build) {
    const built = spawnSync('npm', ['run', 'package'], { cwd: root, stdio: 'ignore' });
    if (built.status !== 0) throw new Error(`npm run package exited ${built.status}`);
  }
  const zips = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.zip')).sort();
  if (zips.length === 0) throw new Error(`no Lambda packages in ${dir}: run npm run package`);
  const work = await mkdtemp(path.join(os.tmpdir(), 'phi-lambda-init-'));
  try {
    const rows: LambdaInitRow[] = [];
    for (const zipName of zips) {
      const name = zipName.slice(0, -'.zip'.length);
      const zip = await readFile(path.join(dir, zipName));
      const files = unzip(zip);
      const taskRoot = path.join(work, name);
      for (const [file, body] of files) {
        await mkdir(path.dirname(path.join(taskRoot, file)), { recursive: true });
        await writeFile(path.join(taskRoot, file), body);
      }
      const entry = handlerEntry(files);
      const handlerFile = path.join(taskRoot, entry);
      const times: number[] = [];
      const cpuTimes: number[] = [];
      for (let run = 0; run < runs; run++) {
        const result = spawnSync(process.execPath, ['-e', PROBE, handlerFile], {
          cwd: taskRoot,
          env: lambdaEnv(name, taskRoot),
          encoding: 'utf8',
        });
        if (result.status !== 0) {
          throw new Error(`${name}: loading ${entry} failed: ${result.stderr.split('\n')[0]}`);
        }
        const measured = JSON.parse(result.stdout) as { ms: number; cpuMs: number };
        times.push(measured.ms);
        cpuTimes.push(measured.cpuMs);
      }
      times.sort((a, b) => a - b);
      cpuTimes.sort((a, b) => a - b);
      rows.push({
        name,
        ms: median(times),
        maxMs: times[times.length - 1] ?? Number.NaN,
        cpuMs: median(cpuTimes),
        bytes: (await stat(path.join(dir, zipName))).size,
        unzippedBytes: [...files.values()].reduce((sum, body) => sum + body.byteLength, 0),
        handlerBytes: files.get(entry)?.byteLength ?? 0,
        runs,
      });
    }
    return rows;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const mib = (bytes: number): string => (bytes / 1048576).toFixed(2);

/** The rows as a Markdown table. */
export function lambdaInitTable(rows: readonly LambdaInitRow[]): string[] {
  return [
    '| function | init median ms | init max ms | init CPU ms | zip MiB | unzipped MiB | handler MiB | runs |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.ms.toFixed(0)} | ${r.maxMs.toFixed(0)} | ${r.cpuMs.toFixed(0)} | ${mib(r.bytes)} | ${mib(r.unzippedBytes)} | ${mib(r.handlerBytes)} | ${r.runs} |`,
    ),
  ];
}

// `node dist/bench/lambda-init.js [RUNS] [--build] [--dir DIR]` prints the table by itself.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 5);
  const dir = args.includes('--dir') ? args[args.indexOf('--dir') + 1] : undefined;
  measureLambdaInit({ runs, build: args.includes('--build'), ...(dir === undefined ? {} : { dir }) }).then(
    (rows) => process.stdout.write(`${lambdaInitTable(rows).join('\n')}\n`),
    (error: unknown) => {
      process.stderr.write(
        `lambda init bench failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
