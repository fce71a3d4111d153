import { createHash } from 'node:crypto';
import { PipelineError } from '../../core/errors.js';
import { CONSUMER_ID, CONSUMER_ID_RULE } from '../../core/ids.js';
import type { ContractStore, StoredContract } from '../../ports/contract-store.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { idsOfJsonNames } from '../record-schemas.js';

const DIR = 'contracts/';

/**
 * Consumer contracts as `contracts/<consumer>.json` in an ObjectStore (the registry bucket and prefix
 * on AWS, next to the partner registry), so operators change them without a deploy.
 */
export class S3ContractStore implements ContractStore {
  constructor(private readonly store: ObjectStore) {}

  async list(): Promise<StoredContract[]> {
    const names = (await this.store.list(DIR)).map((key) => key.slice(DIR.length));
    const consumers = idsOfJsonNames(names, CONSUMER_ID);
    const stored = await Promise.all(consumers.map((consumer) => this.get(consumer)));
    return stored.filter((contract): contract is StoredContract => contract !== undefined);
  }

  async get(consumer: string): Promise<StoredContract | undefined> {
    if (!CONSUMER_ID.test(consumer)) return undefined;
    const source = `${DIR}${consumer}.json`;
    const object = await this.store.get(source);
    if (object === undefined) return undefined;
    try {
      const json: unknown = JSON.parse(Buffer.from(object.body).toString('utf8'));
      // The bytes' digest, so workers reuse the contract they compiled until the object changes.
      return { consumer, source, json, version: createHash('sha256').update(object.body).digest('hex') };
    } catch {
      throw new PipelineError('contract-invalid', `${source}: (file): not valid JSON`, {
        details: { source },
      });
    }
  }

  /** Writes a contract document as is; validating it is the caller's job (as for contract files). */
  async put(consumer: string, json: unknown): Promise<void> {
    if (!CONSUMER_ID.test(consumer)) {
      throw new PipelineError('config-invalid', `consumer id must be ${CONSUMER_ID_RULE}`, {
        details: { rule: 'consumer-id' },
      });
    }
    const body = Buffer.from(`${JSON.stringify(json, null, 2)}\n`, 'utf8');
    await this.store.put(`${DIR}${consumer}.json`, body, { contentType: 'application/json' });
  }
}
