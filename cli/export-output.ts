import { once } from 'node:events';
import path from 'node:path';
import { CliError } from './cli-error.js';

/** Text to stdout, waiting for a full pipe to drain. */
export async function writeStdout(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}

/**
 * Where an export verb (`phi audit export`, `phi siem export`) writes: stdout as it goes, or `--out FILE`
 * written durably (mode 0600) only once the export is sound, through `finish`.
 */
export async function exportOutput(out: string | undefined): Promise<{
  readonly file?: string;
  readonly write: (text: string) => Promise<void>;
  readonly finish?: () => Promise<unknown>;
}> {
  if (out === undefined) return { write: writeStdout };
  const file = path.resolve(out);
  const { writeFileDurably } = await import('../shared/adapters/embedded/durable-fs.js');
  const chunks: string[] = [];
  return {
    file,
    write: async (text) => void chunks.push(text),
    finish: () => writeFileDurably(file, new TextEncoder().encode(chunks.join(''))),
  };
}

/** An export refused because the audit chain does not verify: where it breaks, never a value. */
export function chainBroken(broken: {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}): CliError {
  return new CliError(
    `audit chain broken at ${broken.file}:${broken.line}: ${broken.reason}; run phi audit verify`,
  );
}
