import type { KMS } from '@aws-sdk/client-kms';
import type { DataKeyCacheBounds } from '../../crypto/data-key-cache.js';
import type { EncryptionMaterials } from '../../crypto/key-materials.js';
import { classifyKmsFailures } from './kms-faults.js';

export { KMS_CONTEXT_KEY_NAME } from '../../crypto/data-key-cache.js';

export interface KmsDataKeyCmmInput {
  readonly kms: KMS;
  readonly keyName: string;
  readonly keyArn: string;
  readonly bounds: DataKeyCacheBounds;
  readonly kmsContextKeys: readonly string[];
}

/**
 * The shared data-key manager (shared/crypto/shared-data-key-cmm.ts) over a KMS keyring: each cache
 * miss is one GenerateDataKey or Decrypt, and a throttled KMS fails as a retryable `crypto-failed`.
 * The SDK is imported here, on first use, so building the AWS adapters for a verb that never
 * encrypts does not load it.
 */
export async function kmsDataKeyManagers(
  capacity: number,
): Promise<(input: KmsDataKeyCmmInput) => EncryptionMaterials> {
  const [{ KmsKeyringNode }, { createDataKeyCache, SharedDataKeyCmm }] = await Promise.all([
    import('@aws-crypto/client-node'),
    import('../../crypto/shared-data-key-cmm.js'),
  ]);
  const cache = createDataKeyCache(capacity);
  return ({ kms, keyName, keyArn, bounds, kmsContextKeys }) =>
    new SharedDataKeyCmm({
      keyName,
      keyring: new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider: () => kms }),
      cache,
      bounds,
      kmsContextKeys,
      guard: (run) => classifyKmsFailures(keyName, run),
    });
}
