import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

const TEMP_PREFIX = '.tmp-';

/** Names of in-progress writes; readers and listings skip them. */
export const isTempName = (name: string): boolean => name.startsWith(TEMP_PREFIX);

export const hasErrorCode = (error: unknown, ...codes: string[]): boolean =>
  typeof error === 'object' &&
  error !== null &&
  'code' in error &&
  typeof error.code === 'string' &&
  codes.includes(error.code);

/** Flushes a directory's entries (new, renamed or removed names) to disk. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** `mkdir -p` with mode 0700 whose new entries are durable once it resolves. */
export async function ensureDirectory(dir: string): Promise<void> {
  const firstCreated = await mkdir(dir, { recursive: true, mode: DIR_MODE });
  if (firstCreated === undefined) return;
  // Each new directory's name lives in its parent: sync every new directory and the parent of the first.
  const stop = dirname(firstCreated);
  for (let current = dir; current !== stop && dirname(current) !== current; current = dirname(current)) {
    await fsyncDirectory(current);
  }
  await fsyncDirectory(stop);
}

/** Synchronous `ensureDirectory`, for constructors that open a database file. */
export function ensureDirectorySync(dir: string): void {
  const firstCreated = mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  if (firstCreated === undefined) return;
  const stop = dirname(firstCreated);
  const syncDir = (path: string): void => {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  };
  for (let current = dir; current !== stop && dirname(current) !== current; current = dirname(current)) {
    syncDir(current);
  }
  syncDir(stop);
}

/**
 * Writes `data` to `path` so that a crash at any instant leaves either the old file or the new one,
 * never a partial one: temp file in the same directory, fsync, then rename (replace) or link
 * (create-if-absent, atomic: EEXIST means someone else's file is there), then fsync the directory.
 */
export async function writeFileDurably(
  path: string,
  data: Uint8Array,
  options: { ifAbsent?: boolean } = {},
): Promise<{ created: boolean }> {
  const dir = dirname(path);
  await ensureDirectory(dir);
  const temp = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
  const handle = await open(temp, 'wx', FILE_MODE);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  let created = true;
  try {
    if (options.ifAbsent) {
      try {
        await link(temp, path);
      } catch (error) {
        if (!hasErrorCode(error, 'EEXIST')) throw error;
        created = false;
      }
    } else {
      await rename(temp, path);
    }
  } finally {
    await unlink(temp).catch((error: unknown) => {
      if (!hasErrorCode(error, 'ENOENT')) throw error;
    });
  }
  await fsyncDirectory(dir);
  return { created };
}
