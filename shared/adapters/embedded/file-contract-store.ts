import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PipelineError } from '../../core/errors.js';
import { CONSUMER_ID } from '../../core/ids.js';
import type { ContractStore, StoredContract } from '../../ports/index.js';
import { idsOfJsonNames } from '../record-schemas.js';

/** Contracts as `${home}/contracts/<consumer>.json`; the file name is the consumer id. */
export class FileContractStore implements ContractStore {
  private readonly dir: string;
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
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const source = `contracts/${consumer}.json`;
    try {
      return { consumer, source, json: JSON.parse(text) };
    } catch {
      throw new PipelineError('contract-invalid', `${source}: (file): not valid JSON`, {
        details: { source },
      });
    }
  }
}
