import type { KMS } from '@aws-sdk/client-kms';
import { PipelineError } from '../../core/errors.js';
import { KEY_NAME } from '../../core/ids.js';
import {
  type DataKeyCacheBounds,
  DEFAULT_DATA_KEY_CACHE,
  DEFAULT_KMS_CONTEXT_KEYS,
} from '../../crypto/data-key-cache.js';
import { asKeyMaterials, type EncryptionMaterials } from '../../crypto/key-materials.js';
import type { KeyMaterials, KeyProvider } from '../../ports/key-provider.js';
import { trackKmsFaults } from './kms-faults.js';
import { kmsDataKeyManagers } from './shared-data-key-cmm.js';

export { DEFAULT_DATA_KEY_CACHE, DEFAULT_KMS_CONTEXT_KEYS };

/** KMS key ARNs by pipeline key name. Full key ARNs: the SDK matches stored data keys by ARN. */
export interface KmsKeyIds {
  /** The `data` key (raw submissions). */
  readonly data: string;
  /** `consumer:<id>` keys by consumer id; `*` serves consumers without their own entry. */
  readonly consumers?: Readonly<Record<string, string>>;
}

export interface KmsKeyProviderOptions {
  readonly cache?: Partial<DataKeyCacheBounds> & { readonly capacity?: number };
  /** Context entries bound into KMS calls besides the key name. Default purpose, partner, consumer. */
  readonly kmsContextKeys?: readonly string[];
}

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * KeyProvider on AWS KMS: per key name a caching materials manager over a KMS keyring, so data keys
 * come from KMS GenerateDataKey/Decrypt and are reused within the cache bounds.
 */
export class KmsKeyProvider implements KeyProvider {
  private readonly capacity: number;
  private readonly bounds: DataKeyCacheBounds;
  private readonly kmsContextKeys: readonly string[];
  private readonly managers = new Map<string, Promise<EncryptionMaterials>>();
  /** Loads the Encryption SDK on first use and makes one cache for all key names. */
  private factory: ReturnType<typeof kmsDataKeyManagers> | undefined;

  constructor(
    private readonly kms: KMS,
    private readonly keyIds: KmsKeyIds,
    options: KmsKeyProviderOptions = {},
  ) {
    for (const arn of [keyIds.data, ...Object.values(keyIds.consumers ?? {})]) {
      if (!KMS_KEY_ARN.test(arn)) {
        throw new PipelineError('config-invalid', 'KMS key ids must be full key ARNs', {
          details: { rule: 'kms-key-arn' },
        });
      }
    }
    const { capacity, ...bounds } = { ...DEFAULT_DATA_KEY_CACHE, ...options.cache };
    this.bounds = bounds;
    this.capacity = capacity;
    this.kmsContextKeys = options.kmsContextKeys ?? DEFAULT_KMS_CONTEXT_KEYS;
    trackKmsFaults(kms);
  }

  private keyArn(keyName: string): string {
    if (!KEY_NAME.test(keyName)) {
      throw new PipelineError(
        'config-invalid',
        'key name must be `data` or `<kind>:<id>` (lowercase, digits, -)',
        { details: { rule: 'key-name' } },
      );
    }
    const [kind, id] = keyName.split(':');
    const arn =
      kind === 'data' && id === undefined
        ? this.keyIds.data
        : kind === 'consumer' && id !== undefined
          ? (this.keyIds.consumers?.[id] ?? this.keyIds.consumers?.['*'])
          : undefined;
    if (arn === undefined) {
      throw new PipelineError('config-invalid', 'no KMS key is configured for this key name', {
        details: { keyName },
      });
    }
    return arn;
  }

  async materials(keyName: string): Promise<KeyMaterials> {
    let manager = this.managers.get(keyName);
    if (manager === undefined) {
      const keyArn = this.keyArn(keyName);
      this.factory ??= kmsDataKeyManagers(this.capacity);
      manager = this.factory.then((make) =>
        make({ kms: this.kms, keyName, keyArn, bounds: this.bounds, kmsContextKeys: this.kmsContextKeys }),
      );
      this.managers.set(keyName, manager);
    }
    return asKeyMaterials(await manager);
  }
}
