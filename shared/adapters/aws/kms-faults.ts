import { AsyncLocalStorage } from 'node:async_hooks';
import type { KMS } from '@aws-sdk/client-kms';
import { PipelineError } from '../../core/errors.js';
import { awsFailureDetails, isTransientAwsError } from './aws-errors.js';

interface FaultRecord {
  transient?: unknown;
}

const calls = new AsyncLocalStorage<FaultRecord>();
const MIDDLEWARE = 'phiKmsFaultRecorder';
const tracked = new WeakSet<object>();

/**
 * The Encryption SDK's KMS keyring folds KMS errors on decrypt into one plain Error carrying only
 * stack text, so a throttled Decrypt would look like a bad ciphertext. This middleware notes transient
 * KMS failures (after the SDK's own retries) for the operation running in `classifyKmsFailures`.
 */
export function trackKmsFaults(kms: KMS): void {
  if (tracked.has(kms)) return;
  tracked.add(kms);
  kms.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const record = calls.getStore();
        if (record !== undefined && record.transient === undefined && isTransientAwsError(error)) {
          record.transient = error;
        }
        throw error;
      }
    },
    { step: 'initialize', name: MIDDLEWARE, override: true },
  );
}

/** Runs a key operation; if KMS was unavailable during it, fails with a retryable `crypto-failed`. */
export async function classifyKmsFailures<T>(keyName: string, run: () => Promise<T>): Promise<T> {
  const record: FaultRecord = {};
  try {
    return await calls.run(record, run);
  } catch (error) {
    const transient = record.transient ?? (isTransientAwsError(error) ? error : undefined);
    if (transient === undefined) throw error;
    throw new PipelineError('crypto-failed', 'the key service is unavailable', {
      retryable: true,
      details: { keyName, ...awsFailureDetails(transient) },
      cause: error,
    });
  }
}
