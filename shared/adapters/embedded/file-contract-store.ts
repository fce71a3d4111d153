import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PipelineError } from '../../core/errors.js';
import { CONSUMER_ID } from '../../core/ids.js';
import type { ContractStore, StoredContract } from '../../ports/index.js';
import { idsOfJsonNames } from '../record-schemas.js';

/**
 * A file's modification time is only as fine as the kernel's coarse clock (a few ms), so a rewrite of
 * the same size right after a read can keep mtime and size. A file younger than this is re-read and
 * re-hashed each time; older ones are trusted by stat alone (git's "racily clean" rule).
 */
const RACY_MS = 2000;

interface Remembered {
  /** inode, size, mtime and ctime at the time of the read. */
  readonly stamp: string;
  readonly result: StoredContract | PipelineError;
}

const stampOf = (s: Stats): string => `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;

/**
 * Contracts as `${home}/contracts/<consumer>.json`; the file name is the consumer id. Each contract is
 * read once and then only stat'ed: workers ask for it on every message, and an unchanged file is
 * answered from memory (its `version`, a SHA-256 of its bytes, lets callers reuse what they compiled).
 */
export class FileContractStore implements ContractStore {
  private readonly dir: string;
  private readonly remembered = new Map<string, Remembered>();

  constructor(home: string) {
    this.dir = path.join(home, 'contracts');
  }

  async list(): Promise<StoredContract[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const consumers = idsOfJsonNames(names, CONSUMER_ID);
    const out: StoredContract[] = [];
    for (const consumer of consumers) {
      const stored = await this.get(consumer);
      if (stored) out.push(stored);
    }
    return out;
  }

  async get(consumer: string): Promise<StoredContract | undefined> {
    if (!CONSUMER_ID.test(consumer)) return undefined;
    const file = path.join(this.dir, `${consumer}.json`);
    const stats = await stat(file).catch(() => undefined);
    if (stats === undefined || !stats.isFile()) {
      this.remembered.delete(consumer);
      return undefined;
    }
    const stamp = stampOf(stats);
    const known = this.remembered.get(consumer);
    if (known?.stamp === stamp && Date.now() - stats.mtimeMs > RACY_MS) return answer(known.result);
    const bytes = await readFile(file).catch(() => undefined);
    if (bytes === undefined) return undefined;
    const result = toStoredContract(consumer, bytes);
    this.remembered.set(consumer, { stamp, result });
    return answer(result);
  }
}

function answer(result: StoredContract | PipelineError): StoredContract {
  if (result instanceof PipelineError) throw result;
  return result;
}

function toStoredContract(consumer: string, bytes: Buffer): StoredContract | PipelineError {
  const source = `contracts/${consumer}.json`;
  const version = createHash('sha256').update(bytes).digest('hex');
  try {
    // Frozen: the same document answers every later read until the file changes.
    return { consumer, source, json: deepFreeze(JSON.parse(bytes.toString('utf8'))), version };
  } catch {
    return new PipelineError('contract-invalid', `${source}: (file): not valid JSON`, {
      details: { source },
    });
  }
}

function deepFreeze(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
