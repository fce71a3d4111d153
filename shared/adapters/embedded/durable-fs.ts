import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { type FileHandle, link, mkdir, open, rename, unlink } from 'node:fs/promises';
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

async function syncDirectoryNow(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

interface DirectorySyncs {
  /** The fsync under way, if any. */
  running: Promise<void> | undefined;
  /** The fsync that starts when the running one ends, shared by every caller that came meanwhile. */
  next: Promise<void> | undefined;
}

const directorySyncs = new Map<string, DirectorySyncs>();

/**
 * Flushes a directory's entries (new, renamed or removed names) to disk. Group commit: the callers of
 * one moment share one fsync. A caller is never answered by an fsync that started before it called
 * (its entry might not be in it): it joins the next one, which starts when the running one ends.
 */
export function fsyncDirectory(dir: string): Promise<void> {
  let syncs = directorySyncs.get(dir);
  if (syncs === undefined) {
    syncs = { running: undefined, next: undefined };
    directorySyncs.set(dir, syncs);
  }
  const state = syncs;
  const start = (): Promise<void> => {
    const run = syncDirectoryNow(dir).finally(() => {
      state.running = undefined;
      if (state.next === undefined) directorySyncs.delete(dir);
    });
    state.running = run;
    return run;
  };
  if (state.running === undefined) return start();
  state.next ??= state.running
    .catch(() => undefined)
    .then(() => {
      state.next = undefined;
      return start();
    });
  return state.next;
}

/**
 * Directories this thread made durable or found: `ensureDirectory` of one of them is answered
 * without a system call. Nothing in the stores removes a directory; a write that finds one gone
 * (ENOENT) forgets it and makes it again (see writeFileDurably).
 */
const knownDirectories = new Set<string>();
const KNOWN_DIRECTORIES_MAX = 10_000;

export const forgetDirectory = (dir: string): void => {
  knownDirectories.delete(dir);
};

const ensuring = new Map<string, Promise<void>>();

/**
 * `mkdir -p` with mode 0700 whose new entries are durable once it resolves. Concurrent callers for one
 * directory share one creation, so none goes on before the directory's name is durable.
 */
export function ensureDirectory(dir: string): Promise<void> {
  if (knownDirectories.has(dir)) return Promise.resolve();
  let pending = ensuring.get(dir);
  if (pending === undefined) {
    pending = makeDirectory(dir).finally(() => ensuring.delete(dir));
    ensuring.set(dir, pending);
  }
  return pending;
}

async function makeDirectory(dir: string): Promise<void> {
  const firstCreated = await mkdir(dir, { recursive: true, mode: DIR_MODE });
  if (firstCreated !== undefined) {
    // Each new directory's name lives in its parent: sync every new directory and the parent of the first.
    const stop = dirname(firstCreated);
    for (let current = dir; current !== stop && dirname(current) !== current; current = dirname(current)) {
      await fsyncDirectory(current);
    }
    await fsyncDirectory(stop);
  }
  if (knownDirectories.size >= KNOWN_DIRECTORIES_MAX) knownDirectories.clear();
  knownDirectories.add(dir);
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

/** A temp file beside `path` holding `data`, flushed; created in a directory made again if it was removed. */
async function writeTemp(dir: string, data: Uint8Array): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    await ensureDirectory(dir);
    const temp = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    let handle: FileHandle;
    try {
      handle = await open(temp, 'wx', FILE_MODE);
    } catch (error) {
      if (attempt > 0 || !hasErrorCode(error, 'ENOENT')) throw error;
      forgetDirectory(dir);
      continue;
    }
    try {
      await handle.writeFile(data);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await handle.close();
    return temp;
  }
}

/**
 * Writes `data` to `path` so that a crash at any instant leaves either the old file or the new one,
 * never a partial one: temp file in the same directory, fsync, then rename (replace) or link
 * (create-if-absent, atomic: EEXIST means someone else's file is there), then fsync the directory
 * (shared with the writes into it of the same moment, see fsyncDirectory).
 */
export async function writeFileDurably(
  path: string,
  data: Uint8Array,
  options: { ifAbsent?: boolean } = {},
): Promise<{ created: boolean }> {
  const dir = dirname(path);
  const temp = await writeTemp(dir, data);
  let created = true;
  // A renamed temp file is gone; a linked one (or one left by a failure) still has its name.
  let tempRemains = true;
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
      tempRemains = false;
    }
  } finally {
    if (tempRemains) {
      await unlink(temp).catch((error: unknown) => {
        if (!hasErrorCode(error, 'ENOENT')) throw error;
      });
    }
  }
  await fsyncDirectory(dir);
  return { created };
}
