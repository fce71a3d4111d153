import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { KeyringNode, NodeMaterialsManager } from '@aws-crypto/client-node';
import { PipelineError } from '../../core/errors.js';
import { KEY_NAME } from '../../core/ids.js';
import {
  type DataKeyCacheOptions,
  DEFAULT_DATA_KEY_CACHE,
  DEFAULT_KMS_CONTEXT_KEYS,
} from '../../crypto/data-key-cache.js';
import { asKeyMaterials, deferredMaterials } from '../../crypto/key-materials.js';
import type { DataKeyCache } from '../../crypto/shared-data-key-cmm.js';
import type { KeyMaterials, KeyProvider } from '../../ports/key-provider.js';
import { keysDirectory, loadOrCreateKeyFile } from './key-files.js';

export const KEY_NAMESPACE = 'phi-pipeline';
const MASTER_KEY_BYTES = 32;

export function assertKeyName(keyName: string): void {
  if (!KEY_NAME.test(keyName)) {
    throw new PipelineError(
      'config-invalid',
      'key name must be `data` or `<kind>:<id>` (lowercase, digits, -)',
      {
        details: { rule: 'key-name' },
      },
    );
  }
}

export interface LocalKeyProviderOptions {
  /** Data-key cache bounds (shared/runtime/config.ts, PHI_KMS_CACHE_*); defaults as on AWS. */
  readonly cache?: Partial<DataKeyCacheOptions>;
  /** Context entries bound into the data key's wrapping besides the key name. Default purpose, partner, consumer. */
  readonly kmsContextKeys?: readonly string[];
}

/**
 * Local master keys (32 random bytes each) at `${home}/keys/<name>.key`, `:` written as `-`, created on
 * first use. Each key name's Raw AES keyring sits inside the same shared data-key manager as KMS on
 * AWS (shared/crypto/shared-data-key-cmm.ts), so a data key is generated or unwrapped once per cache
 * bounds, not once per object. The Encryption SDK loads when the materials are first used.
 */
export class LocalKeyProvider implements KeyProvider {
  private readonly dir: string;
  private readonly bounds: DataKeyCacheOptions;
  private readonly kmsContextKeys: readonly string[];
  private readonly managers = new Map<string, Promise<NodeMaterialsManager>>();
  private readonly keys = new Map<string, Promise<Uint8Array>>();
  private cache: DataKeyCache | undefined;

  constructor(home: string, options: LocalKeyProviderOptions = {}) {
    this.dir = keysDirectory(home);
    this.bounds = { ...DEFAULT_DATA_KEY_CACHE, ...options.cache };
    this.kmsContextKeys = options.kmsContextKeys ?? DEFAULT_KMS_CONTEXT_KEYS;
  }

  /** Makes sure the key exists (created on first use); the SDK loads when the materials are first used. */
  materials(keyName: string): Promise<KeyMaterials> {
    assertKeyName(keyName);
    let materials = this.managers.get(keyName);
    if (materials === undefined) {
      const ready = this.masterKey(keyName).then(() => deferredMaterials(() => this.manager(keyName)));
      materials = ready;
      this.managers.set(keyName, materials);
      ready.catch(() => this.managers.delete(keyName));
    }
    return materials.then(asKeyMaterials);
  }

  private async manager(keyName: string): Promise<NodeMaterialsManager> {
    const [keyring, { createDataKeyCache, SharedDataKeyCmm }] = await Promise.all([
      this.keyring(keyName),
      import('../../crypto/shared-data-key-cmm.js'),
    ]);
    const { capacity, ...bounds } = this.bounds;
    this.cache ??= createDataKeyCache(capacity);
    return new SharedDataKeyCmm({
      keyName,
      keyring,
      cache: this.cache,
      bounds,
      kmsContextKeys: this.kmsContextKeys,
      openWholeContextKeys: true,
    });
  }

  private masterKey(keyName: string): Promise<Uint8Array> {
    let key = this.keys.get(keyName);
    if (key === undefined) {
      key = this.readMasterKey(keyName);
      this.keys.set(keyName, key);
      key.catch(() => this.keys.delete(keyName));
    }
    return key;
  }

  private async readMasterKey(keyName: string): Promise<Uint8Array> {
    const path = join(this.dir, `${keyName.replace(':', '-')}.key`);
    let key: Buffer;
    try {
      key = await loadOrCreateKeyFile(path, () => randomBytes(MASTER_KEY_BYTES));
    } catch (error) {
      throw new PipelineError('crypto-failed', 'local master key could not be read or created', {
        details: { keyName },
        cause: error,
      });
    }
    if (key.byteLength !== MASTER_KEY_BYTES) {
      throw new PipelineError('crypto-failed', 'local master key file has the wrong length', {
        details: { keyName },
      });
    }
    return new Uint8Array(key);
  }

  /**
   * The key name's Raw AES keyring: each of its calls is one data key wrapped or unwrapped, what a KMS
   * call is on AWS (bench/key-port-counter.ts counts them here).
   */
  async keyring(keyName: string): Promise<KeyringNode> {
    assertKeyName(keyName);
    const key = await this.masterKey(keyName);
    const { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } = await import('@aws-crypto/client-node');
    return new RawAesKeyringNode({
      keyName,
      keyNamespace: KEY_NAMESPACE,
      unencryptedMasterKey: Uint8Array.from(key),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
  }
}
