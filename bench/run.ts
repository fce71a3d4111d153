import os from 'node:os';
import { benchIngest } from './ingest.js';

/** `npm run bench`: measured numbers, printed as Markdown tables. */
async function main(): Promise<void> {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  process.stdout.write(`# phi-pipeline bench\n\n${os.cpus().length} × ${cpu}, Node ${process.version}\n\n`);
  process.stdout.write(
    `## Ingest (local stack, HTTPS, one Node process)\n\n${(await benchIngest()).join('\n')}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
