import os from 'node:os';
import { benchDeid } from './deid.js';
import { benchEndToEnd } from './end-to-end.js';
import { benchIngest } from './ingest.js';
import { benchX12 } from './x12.js';

const SECTIONS: readonly { title: string; run: () => Promise<string[]> }[] = [
  { title: 'Ingest (local stack, HTTPS, one Node process, workers off)', run: benchIngest },
  { title: 'De-identification (MB/s per profile beside JSON parse + serialize)', run: benchDeid },
  { title: 'End to end (ingest → process → deliver → notify), two consumers', run: benchEndToEnd },
  { title: 'X12 837 (MB/s beside a split on the separators, node-x12 and x12-parser)', run: benchX12 },
];

/** `npm run bench`: measured numbers, printed as Markdown tables. `npm run bench -- ingest` runs one section. */
async function main(): Promise<void> {
  const only = process.argv[2]?.toLowerCase();
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  process.stdout.write(`# phi-pipeline bench\n\n${os.cpus().length} × ${cpu}, Node ${process.version}\n\n`);
  for (const section of SECTIONS) {
    if (only && !section.title.toLowerCase().startsWith(only)) continue;
    process.stdout.write(`## ${section.title}\n\n${(await section.run()).join('\n')}\n\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
