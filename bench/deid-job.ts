import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deidentifyFiles } from '../shared/app/deidentify-files.js';
import { builtInProfile, type ConsumerContract, parseContract } from '../shared/core/deid/contract.js';
import { jsonFloor, x12SplitFloor } from './floors.js';
import { corpusBundles, x12File } from './inputs.js';
import type { BenchRow } from './report.js';

/** The built-in profiles, then the shipped contracts (contracts/*.json) when they are there. */
function deidContracts(): { name: string; contract: ConsumerContract }[] {
  const list: { name: string; contract: ConsumerContract }[] = (
    ['safe-harbor', 'limited-data-set'] as const
  ).map((name) => ({
    name,
    contract: builtInProfile(name),
  }));
  for (const name of ['analytics', 'research', 'billing']) {
    const file = path.join(process.cwd(), 'contracts', `${name}.json`);
    if (existsSync(file))
      list.push({ name, contract: parseContract(JSON.parse(readFileSync(file, 'utf8')), file) });
  }
  return list;
}

/**
 * `phi deid` as a job (the use case behind the verb, without process start): every Synthea corpus
 * Bundle in one job, and a generated 837P, de-identified to an output folder under each built-in
 * profile and shipped contract, release gate included; beside JSON parse + serialize (X12: the split) of the same bytes.
 */
export async function benchDeidJob(quick: boolean, log: (s: string) => void): Promise<BenchRow[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'phi-bench-deid-'));
  const rows: BenchRow[] = [];
  try {
    const jobs: { format: 'fhir' | 'x12'; label: string; files: string[]; bytes: Buffer[] }[] = [];
    const bundles = corpusBundles();
    if (bundles.length > 0) {
      const files = await Promise.all(
        bundles.map(async (b, i) => {
          const f = path.join(dir, `bundle-${i}.json`);
          await writeFile(f, b);
          return f;
        }),
      );
      jobs.push({
        format: 'fhir',
        label: `Synthea corpus, ${bundles.length} Bundles`,
        files,
        bytes: bundles,
      });
    }
    const x12 = x12File((quick ? 4 : 20) * 1024 * 1024, 7);
    const x12Path = path.join(dir, 'generated.837');
    await writeFile(x12Path, x12);
    jobs.push({
      format: 'x12',
      label: `generated 837P, ${Math.round(x12.length / 1e6)} MB`,
      files: [x12Path],
      bytes: [x12],
    });
    for (const job of jobs) {
      const total = job.bytes.reduce((n, b) => n + b.length, 0);
      const floor = job.format === 'fhir' ? jsonFloor : x12SplitFloor;
      for (const { name: profile, contract } of deidContracts()) {
        log(`deid: ${job.format} ${profile}`);
        let floorMs = Number.POSITIVE_INFINITY;
        let stageMs = Number.POSITIVE_INFINITY;
        try {
          for (let r = 0; r < (quick ? 1 : 2); r++) {
            let t0 = performance.now();
            for (const b of job.bytes) floor(b);
            floorMs = Math.min(floorMs, performance.now() - t0);
            t0 = performance.now();
            await deidentifyFiles(job.files, {
              contract,
              secret: new Uint8Array(32).fill(7),
              keyId: 'bench',
              referenceDate: '2026-12-03',
              outDir: path.join(dir, `out-${profile}`),
            });
            stageMs = Math.min(stageMs, performance.now() - t0);
          }
        } catch (error) {
          // A refusal (the release gate, say) is a finding of the run: the row says so, the report goes on.
          rows.push({
            section: 'deid',
            stage: `phi deid, ${profile}`,
            format: job.format,
            size: job.label,
            inputBytes: Math.round(total / job.bytes.length),
            items: job.bytes.length,
            notMeasured: `refused: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`,
          });
          continue;
        }
        const mb = total / 1e6;
        rows.push({
          section: 'deid',
          stage: `phi deid, ${profile}`,
          format: job.format,
          size: job.label,
          inputBytes: Math.round(total / job.bytes.length),
          items: job.bytes.length,
          perSec: (job.bytes.length / stageMs) * 1000,
          mbPerSec: (mb / stageMs) * 1000,
          floor: {
            what: job.format === 'fhir' ? 'JSON parse + serialize' : 'X12 split',
            perSec: (job.bytes.length / floorMs) * 1000,
          },
          ratio: floorMs / stageMs,
          target: { text: '≥ 0.50 of the floor', met: floorMs / stageMs >= 0.5 },
        });
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
