import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../local/package-root.js';

/**
 * One measured `phi` invocation.
 * - `name`: the command line, e.g. `phi --help`, `phi dlq list`.
 * - `ms`: median wall time of `node dist/bin/phi.js ARGS`, spawn to exit, over `runs` fresh processes.
 * - `p90Ms`: the 90th percentile of the same runs.
 * - `bytes`: peak resident set size of one such process (maxRSS, bytes), a proxy for what it loaded.
 * - `runs`: how many processes were timed.
 */
export interface StartupRow {
  readonly name: string;
  readonly ms: number;
  readonly p90Ms: number;
  readonly bytes: number;
  readonly runs: number;
}

export interface StartupOptions {
  /** Timed processes per verb (default 10; the first, untimed, warms the file cache). */
  readonly runs?: number;
  /** The built CLI (default: dist/bin/phi.js of this checkout; run `npm run build` first). */
  readonly bin?: string;
}

/** `--help` and the light verbs (issue 11: each under 150 ms). */
const VERBS: readonly { name: string; args: (run: number) => string[] }[] = [
  { name: 'phi --help', args: () => ['--help'] },
  { name: 'phi status --help', args: () => ['status', '--help'] },
  { name: 'phi submit --help', args: () => ['submit', '--help'] },
  { name: 'phi deid --help', args: () => ['deid', '--help'] },
  { name: 'phi dlq list', args: () => ['dlq', 'list'] },
  { name: 'phi audit verify', args: () => ['audit', 'verify'] },
  { name: 'phi partner add', args: (run) => ['partner', 'add', `bench-${run}`] },
];

/** Prints maxRSS (KiB) on fd 3 at exit, so RSS is read without timing that process. */
const RSS_PROBE = `data:text/javascript,${encodeURIComponent(
  "import{writeSync}from'node:fs';process.on('exit',()=>{try{writeSync(3,String(process.resourceUsage().maxRSS))}catch{}});",
)}`;

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

function runPhi(bin: string, args: readonly string[], env: NodeJS.ProcessEnv, probe: boolean) {
  const started = performance.now();
  const result = spawnSync(process.execPath, [...(probe ? ['--import', RSS_PROBE] : []), bin, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    maxBuffer: 16 * 1024 * 1024,
  });
  const ms = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(`phi ${args.join(' ')} exited ${result.status}: ${String(result.stderr).split('\n')[0]}`);
  }
  const rssKiB = probe ? Number(String(result.output[3] ?? '')) : Number.NaN;
  return { ms, bytes: rssKiB * 1024 };
}

/**
 * `phi` start-up as a user sees it: each verb in a fresh `node` process on a small PHI_HOME (prepared
 * first, as any first verb does, untimed), `runs` times; the median and p90 wall time, and peak RSS.
 */
export async function measureStartup(options: StartupOptions = {}): Promise<StartupRow[]> {
  const runs = options.runs ?? 10;
  const bin = options.bin ?? path.join(packageRoot(), 'dist', 'bin', 'phi.js');
  const home = await mkdtemp(path.join(os.tmpdir(), 'phi-startup-'));
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? home, PHI_HOME: home };
  try {
    runPhi(bin, ['audit', 'verify'], env, false); // the first verb makes PHI_HOME (TLS, keys, demo partner)
    const rows: StartupRow[] = [];
    for (const verb of VERBS) {
      const { bytes } = runPhi(bin, verb.args(-1), env, true);
      const times: number[] = [];
      for (let run = 0; run < runs; run++) times.push(runPhi(bin, verb.args(run), env, false).ms);
      times.sort((a, b) => a - b);
      rows.push({ name: verb.name, ms: quantile(times, 0.5), p90Ms: quantile(times, 0.9), bytes, runs });
    }
    return rows;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** The rows as a Markdown table. */
export function startupTable(rows: readonly StartupRow[]): string[] {
  return [
    '| command | median ms | p90 ms | peak RSS MiB | runs |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| \`${r.name}\` | ${r.ms.toFixed(0)} | ${r.p90Ms.toFixed(0)} | ${(r.bytes / 1048576).toFixed(1)} | ${r.runs} |`,
    ),
  ];
}

// `node dist/bench/startup.js [RUNS]` prints the table by itself.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const runs = Number(process.argv[2] ?? 10);
  measureStartup({ runs }).then(
    (rows) => process.stdout.write(`${startupTable(rows).join('\n')}\n`),
    (error: unknown) => {
      process.stderr.write(
        `startup bench failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
