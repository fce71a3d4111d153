import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../local/package-root.js';
import { benchDeid } from './deid.js';
import { benchDeidJob } from './deid-job.js';
import { sizeClasses } from './inputs.js';
import { type BenchReport, type BenchRow, markdown, throughputSvg } from './report.js';
import { benchStack } from './stack-load.js';
import { benchStages } from './stages.js';
import { benchStartup } from './startup-hooks.js';
import { benchX12 } from './x12.js';

/**
 * `npm run bench`: the project's performance report. Sections (`--only a,b`): stack (the running
 * stack, workers on: accepted and end to end), stages (every stage, one core, beside its floor),
 * deid (`phi deid` beside parse + serialize), startup (CLI start-up and Lambda init), x12 (the 837
 * readers beside other parsers). `--quick` shrinks every section (minutes → about two); `--out DIR`
 * (default bench/results) receives latest.md, latest.json and throughput.svg; `--concurrency N`
 * (default 16) is the load generator's requests in flight; `--with-1gb` adds 1 GB NDJSON to the
 * stack section (peak RSS target).
 */
const SECTIONS = ['stack', 'stages', 'deid', 'startup', 'x12'] as const;
type Section = (typeof SECTIONS)[number];
const ALIASES: Record<string, Section> = {
  ingest: 'stack',
  e2e: 'stack',
  'end-to-end': 'stack',
  'de-identification': 'deid',
  lambda: 'startup',
  stage: 'stages',
};

interface Args {
  readonly only: Set<Section>;
  readonly quick: boolean;
  readonly out: string;
  readonly concurrency: number;
  readonly withGigabyte: boolean;
}

export function parseArgs(argv: readonly string[]): Args {
  const only = new Set<Section>();
  let quick = false;
  let out = path.join(packageRoot(), 'bench/results');
  let concurrency = 16;
  let withGigabyte = false;
  const pick = (name: string) => {
    const section = (SECTIONS as readonly string[]).includes(name) ? (name as Section) : ALIASES[name];
    if (section === undefined)
      throw new TypeError(`unknown section ${name}; sections: ${SECTIONS.join(', ')}`);
    only.add(section);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--quick') quick = true;
    else if (arg === '--only') for (const s of (argv[++i] ?? '').split(',')) pick(s.trim().toLowerCase());
    else if (arg.startsWith('--only=')) for (const s of arg.slice(7).split(',')) pick(s.trim().toLowerCase());
    else if (arg === '--out') out = path.resolve(argv[++i] ?? out);
    else if (arg === '--concurrency') concurrency = Number(argv[++i]);
    else if (arg === '--with-1gb') withGigabyte = true;
    else if (!arg.startsWith('-')) pick(arg.toLowerCase());
    else
      throw new TypeError(
        `unknown option ${arg}; options: --only a,b --quick --with-1gb --out DIR --concurrency N`,
      );
  }
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new TypeError('--concurrency takes a positive integer');
  // The X12 competitor comparison is long and not part of the quick report unless asked for.
  const chosen =
    only.size > 0 ? only : new Set<Section>(quick ? SECTIONS.filter((s) => s !== 'x12') : SECTIONS);
  return { only: chosen, quick, out, concurrency, withGigabyte };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const sizes = sizeClasses(args.quick);
  const started = Date.now();
  const rows: BenchRow[] = [];
  const notes: Record<string, string[]> = {};
  const conditions = {
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    'load average at start': os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    node: process.version,
    mode: args.quick ? 'quick' : 'full',
    sections: [...args.only].join(', '),
    sizes: sizes.map((s) => s.label).join(', '),
    stack:
      '`phi start` in its own process, workers ON (as users run it), shipped contracts, rate limit opened',
    'load generator': `this process, concurrency ${args.concurrency}, HTTPS keep-alive`,
    floors: 'Node primitives on the same bytes in this process, one core, in the same run',
  };
  /** A section that fails becomes a row saying so; the others still run and the report is written. */
  const guarded = async (section: Section, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      log(`${section} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      rows.push({
        section,
        stage: `${section} section`,
        format: '-',
        size: '-',
        inputBytes: 0,
        items: 0,
        notMeasured: `failed: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`,
      });
    }
  };
  if (args.only.has('stack')) {
    await guarded('stack', async () => {
      const r = await benchStack({
        sizes,
        quick: args.quick,
        concurrency: args.concurrency,
        log,
        withGigabyte: args.withGigabyte,
      });
      rows.push(...r.rows);
      notes.stack = r.notes;
    });
  }
  if (args.only.has('stages'))
    await guarded('stages', async () => void rows.push(...(await benchStages(sizes, args.quick, log))));
  if (args.only.has('deid')) {
    await guarded('deid', async () => {
      rows.push(...(await benchDeidJob(args.quick, log)));
      if (!args.quick)
        notes.deid = [
          'Per profile in one process (engine only), and the selector comparison:',
          '',
          ...(await benchDeid()),
        ];
    });
  }
  if (args.only.has('startup')) {
    await guarded('startup', async () => {
      const r = await benchStartup(args.quick, log);
      rows.push(...r.rows);
      notes.startup = r.notes;
    });
  }
  if (args.only.has('x12')) {
    await guarded('x12', async () => {
      notes.x12 = await benchX12();
    });
  }
  const report: BenchReport = {
    startedAt: new Date(started).toISOString(),
    conditions: { ...conditions, 'wall time': `${Math.round((Date.now() - started) / 1000)} s` },
    rows,
    notes,
  };
  const md = markdown(report);
  await mkdir(args.out, { recursive: true });
  await writeFile(path.join(args.out, 'latest.md'), md);
  await writeFile(path.join(args.out, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(args.out, 'throughput.svg'), throughputSvg(report));
  process.stdout.write(md);
  log(`written to ${path.relative(process.cwd(), args.out) || '.'}/latest.{md,json} and throughput.svg`);
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  });
}
