import { type ConsumerContract, parseContract } from '../core/deid/contract.js';
import { PipelineError } from '../core/errors.js';
import type { ContractStore } from '../ports/index.js';
import type { SubmissionKind } from './submission.js';

export interface LoadedContract {
  readonly consumer: string;
  readonly contract: ConsumerContract;
}

/** A consumer's contract, validated; a missing or bad contract is a permanent failure naming the file. */
export async function loadContract(store: ContractStore, consumer: string): Promise<LoadedContract> {
  const stored = await store.get(consumer);
  if (!stored) {
    throw new PipelineError('contract-invalid', `contracts/${consumer}.json: (file): no such contract`, {
      details: { consumer },
    });
  }
  return { consumer, contract: parseContract(stored.json, stored.source) };
}

/** Which kinds of submission a contract takes (`kinds`; bundles only when it says nothing). */
export const contractAccepts = (contract: ConsumerContract, kind: SubmissionKind): boolean =>
  (contract.kinds ?? ['bundle']).includes(kind);
