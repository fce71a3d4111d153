import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { hasErrorCode, writeFileDurably } from '../shared/adapters/embedded/durable-fs.js';
import type { PlaintextOutput } from '../shared/app/consume-notifications.js';
import { CliError } from './cli-error.js';

/**
 * `phi consume --out DIR`: files of mode 0600 in a directory of mode 0700 (created if missing), each
 * written as a temp file in DIR, fsynced, linked into place only if the name is free, then the
 * directory fsynced; a crash leaves the old state or the whole file, never part of one.
 */
export function directoryOutput(dir: string): PlaintextOutput {
  const pathOf = (name: string): string => {
    if (basename(name) !== name || name.startsWith('.'))
      throw new CliError('output file name is not a plain name');
    return join(dir, name);
  };
  return {
    async existing(name) {
      const path = pathOf(name);
      try {
        return {
          sha256: createHash('sha256')
            .update(await readFile(path))
            .digest('hex'),
          path,
        };
      } catch (error) {
        if (hasErrorCode(error, 'ENOENT')) return undefined;
        throw error;
      }
    },
    async createDurably(name, bytes) {
      const path = pathOf(name);
      const { created } = await writeFileDurably(path, bytes, { ifAbsent: true });
      return { created, path };
    },
  };
}
