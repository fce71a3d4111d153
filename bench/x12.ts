import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { recountX12 } from '../test/helpers/x12-counts.js';
import { generateLarge } from '../test/helpers/x12-planter/index.js';
import { fmt } from './stats.js';

/**
 * X12 837 throughput: reading (tokenize + loop placement), validating (SNIP 1–4) and de-identifying
 * (safe-harbor, X12 out), beside the floor (one pass splitting the same bytes on the separators) and
 * beside node-x12 and x12-parser reading the same bytes, each in a fresh process. The two large
 * corpus files (SE01 repaired: the published copies miscount it) are read from memory, repeated to
 * 20 MB; the generated 100 MB file is streamed from disk in 64 KiB chunks, with peak RSS.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = process.env.PHI_X12_CORPUS ?? path.resolve('../shared/corpus/x12/imsweb-x12-parser/837_5010');
// 20 MB keeps a full `npm run bench` near ten minutes (node-x12 holds the whole file); the 100 MB X12 rows are in the stages.
const LARGE_MB = Number(process.env.X12_BENCH_MB ?? 20);
const MODES = ['floor', 'validate', 'read', 'deid', 'x12-parser', 'node-x12'] as const;

interface Measured {
  readonly ms?: number;
  readonly bytes?: number;
  readonly maxRssMb?: number;
  readonly error?: string;
}

function measure(mode: string, file: string, how: 'memory' | 'stream'): Measured {
  try {
    const out = execFileSync(process.execPath, [path.join(here, 'x12-child.js'), mode, file, how], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
      // A competitor that cannot finish (node-x12 on 100 MB) is reported as failed, not waited on.
      timeout: 300_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Measured;
  } catch (error) {
    const stdout = (error as { stdout?: string }).stdout ?? '';
    const last = stdout.trim().split('\n').pop();
    if (last?.startsWith('{')) return JSON.parse(last) as Measured;
    return { error: 'the process failed (out of memory?)' };
  }
}

/** The test suite's seeded 837P generator (PHI planted everywhere, balanced, counts right), streamed to disk. */
async function writeLarge(file: string): Promise<void> {
  const out = createWriteStream(file);
  for (const chunk of generateLarge(LARGE_MB * 1e6, 2026, { kind: '837P' })) {
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

const mbps = (m: Measured): string =>
  m.error !== undefined || m.ms === undefined || m.bytes === undefined
    ? 'failed'
    : fmt(m.bytes / 1e6 / (m.ms / 1000));

export async function benchX12(): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'phi-x12-bench-'));
  try {
    const inputs: { label: string; file: string; how: 'memory' | 'stream' }[] = [];
    for (const name of ['x12_many_claims.txt', 'x12_multiple_transactions.txt']) {
      const source = path.join(CORPUS, name);
      if (!existsSync(source)) continue;
      const file = path.join(dir, name);
      writeFileSync(file, recountX12(readFileSync(source, 'latin1')), 'latin1');
      inputs.push({
        label: `${name} (${fmt(readFileSync(file).byteLength / 1e6, 2)} MB, in memory)`,
        file,
        how: 'memory',
      });
    }
    const large = path.join(dir, 'generated.837');
    await writeLarge(large);
    inputs.push({
      label: `generated 837P, PHI planted (${LARGE_MB} MB, streamed)`,
      file: large,
      how: 'stream',
    });

    const lines = [
      `| input | ${MODES.join(' | ')} | ratio read / floor | peak RSS (read, deid, x12-parser, node-x12) |`,
      `|---|${MODES.map(() => '---:').join('|')}|---:|---|`,
    ];
    for (const input of inputs) {
      const results = Object.fromEntries(MODES.map((m) => [m, measure(m, input.file, input.how)])) as Record<
        (typeof MODES)[number],
        Measured
      >;
      const ratio =
        results.read.ms !== undefined && results.floor.ms !== undefined
          ? fmt(results.floor.ms / results.read.ms, 2)
          : 'n/a';
      const rss = (['read', 'deid', 'x12-parser', 'node-x12'] as const)
        .map((m) => (results[m].maxRssMb === undefined ? 'failed' : `${fmt(results[m].maxRssMb ?? 0, 0)} MB`))
        .join(', ');
      lines.push(
        `| ${input.label} | ${MODES.map((m) => mbps(results[m])).join(' | ')} | ${ratio} | ${rss} |`,
      );
    }
    lines.push(
      '',
      'MB/s, higher is better; each cell a fresh Node process. `validate`: the door check, one pass (tokenize, place every segment in its loop, SNIP 1–4 checks); `read`: the same pass handing on each claim grouped with its ancestry (what the FHIR mapping takes); `deid`: safe-harbor de-identification, X12 out, counts recomputed. node-x12 parses a whole string into objects (its API); x12-parser streams segments without loops.',
    );
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
