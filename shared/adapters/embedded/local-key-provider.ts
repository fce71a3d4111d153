import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type KeyringNode, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';
import { PipelineError } from '../../core/errors.js';
import { KEY_NAME } from '../../core/ids.js';
import { asKeyMaterials } from '../../crypto/key-materials.js';
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

/**
 * Local master keys (32 random bytes each) at `${home}/keys/<name>.key`, `:` written as `-`, created on
 * first use. Supplies Raw AES keyrings; the Encryption SDK wraps each message's data key with them.
 */
export class LocalKeyProvider implements KeyProvider {
  private readonly dir: string;
  private readonly keyrings = new Map<string, Promise<KeyringNode>>();

  constructor(home: string) {
    this.dir = keysDirectory(home);
  }

  materials(keyName: string): Promise<KeyMaterials> {
    assertKeyName(keyName);
    let keyring = this.keyrings.get(keyName);
    if (keyring === undefined) {
      keyring = this.load(keyName);
      this.keyrings.set(keyName, keyring);
      keyring.catch(() => this.keyrings.delete(keyName));
    }
    return keyring.then(asKeyMaterials);
  }

  private async load(keyName: string): Promise<KeyringNode> {
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
    return new RawAesKeyringNode({
      keyName,
      keyNamespace: KEY_NAMESPACE,
      unencryptedMasterKey: new Uint8Array(key),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
  }
}
