import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileDurably } from './durable-fs.js';

export const keysDirectory = (home: string): string => join(home, 'keys');

/**
 * Returns the key stored at `path`, creating it from `generate()` if there is none. Creation is a
 * durable create-if-absent (link of a fsynced temp file), so two processes starting together end up
 * with one key, and a crash never leaves a half-written key file behind.
 */
export async function loadOrCreateKeyFile(path: string, generate: () => Uint8Array): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    if (!(typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT'))
      throw error;
  }
  const fresh = generate();
  const { created } = await writeFileDurably(path, fresh, { ifAbsent: true });
  return created ? Buffer.from(fresh) : await readFile(path);
}
