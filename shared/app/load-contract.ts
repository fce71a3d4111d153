import type { ConsumerContract } from '../core/deid/contract.js';
import { PipelineError } from '../core/errors.js';
import type { ContractStore } from '../ports/index.js';
import { compiledContracts } from './compiled-contracts.js';
import type { BulkFile, RecordKind, SubmissionKind } from './submission.js';

export interface LoadedContract {
  readonly consumer: string;
  readonly contract: ConsumerContract;
}

/**
 * A consumer's contract, validated; a missing or bad contract is a permanent failure naming the file.
 * Parsed once per stored version (compiled-contracts.ts): the same object answers until the file changes.
 */
export async function loadContract(store: ContractStore, consumer: string): Promise<LoadedContract> {
  const stored = await store.get(consumer);
  if (!stored) {
    throw new PipelineError('contract-invalid', `contracts/${consumer}.json: (file): no such contract`, {
      details: { consumer },
    });
  }
  return { consumer, contract: compiledContracts.contractOf(stored) };
}

/** Which kinds of submission a contract takes (`kinds`; bundles only when it says nothing). */
export const contractAccepts = (contract: ConsumerContract, kind: SubmissionKind): boolean =>
  (contract.kinds ?? ['bundle']).includes(kind);

/** The kinds of content a submission holds: a bulk one holds bundles (FHIR files), claims (837s) or both. */
export function contentKinds(kind: RecordKind, files: readonly BulkFile[] | undefined): SubmissionKind[] {
  if (kind !== 'bulk') return [kind];
  const kinds = new Set(
    (files ?? []).map((f) => (f.kind === 'x12-837' ? 'claim' : 'bundle') as SubmissionKind),
  );
  return [...kinds];
}

/** Whether a contract takes any of what a submission holds. */
export const contractTakes = (
  contract: ConsumerContract,
  kind: RecordKind,
  files: readonly BulkFile[] | undefined,
): boolean => contentKinds(kind, files).some((k) => contractAccepts(contract, k));
