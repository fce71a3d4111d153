import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, open, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  ensureDirectory,
  FILE_MODE,
  fsyncDirectory,
  hasErrorCode,
  writeFileDurably,
} from '../shared/adapters/embedded/durable-fs.js';
import type { PlaintextOutput } from '../shared/app/consume-notifications.js';
import { CliError } from './cli-error.js';

/** SHA-256 of a file, read in chunks: an output of any size is hashed without being held. */
async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * `phi consume --out DIR`: files of mode 0600 in a directory of mode 0700 (created if missing), each
 * written as a temp file in DIR, fsynced, linked into place only if the name is free, then the
 * directory fsynced; a crash leaves the old state or the whole file, never part of one. Streamed
 * copies go the same way, written chunk by chunk and checked before they are linked.
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
        return { sha256: await sha256OfFile(path), path };
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
    async createStreamed(name, chunks, accept) {
      const path = pathOf(name);
      await ensureDirectory(dir);
      // Same temp-name namespace as writeFileDurably, so a crash leaves nothing that looks like output.
      const temp = join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
      const handle = await open(temp, 'wx', FILE_MODE);
      try {
        const hash = createHash('sha256');
        let bytes = 0;
        try {
          for await (const chunk of chunks) {
            hash.update(chunk);
            await handle.write(chunk, 0, chunk.byteLength, bytes);
            bytes += chunk.byteLength;
          }
          await handle.sync();
        } finally {
          await handle.close();
        }
        await accept({ sha256: hash.digest('hex'), bytes });
        let created = true;
        try {
          await link(temp, path);
        } catch (error) {
          if (!hasErrorCode(error, 'EEXIST')) throw error;
          created = false;
        }
        await fsyncDirectory(dir);
        return { created, path };
      } finally {
        await unlink(temp).catch((error: unknown) => {
          if (!hasErrorCode(error, 'ENOENT')) throw error;
        });
      }
    },
  };
}
