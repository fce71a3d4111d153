import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import {
  type EncryptedDataKey,
  KeyringNode,
  type NodeDecryptionMaterial,
  type NodeEncryptionMaterial,
} from '@aws-crypto/client-node';
import { LocalKeyProvider } from '../shared/adapters/embedded/local-key-provider.js';
import type { KeyMaterials } from '../shared/ports/key-provider.js';

/**
 * Preloaded into the bench's stack process (`node --import …/key-port-counter.js phi.js start`), and
 * through the inherited execArgv into any worker thread it starts: counts the calls at the key port
 * without changing shared/. `materials` is one envelope operation (one object encrypted or decrypted).
 * The keyring is wrapped where LocalKeyProvider makes it, inside the shared data-key manager, so each
 * onEncrypt/onDecrypt counted is one data key really generated or unwrapped (one KMS call
 * GenerateDataKey/Decrypt on AWS), after the data-key cache had no answer. Counts go to
 * `$BENCH_KEY_PORT_DIR/<pid>-<thread>.json`, rewritten as they change; the bench sums the files.
 */
export interface KeyPortCounts {
  materials: number;
  dataKeysGenerated: number;
  dataKeysUnwrapped: number;
  /** Materials of a provider whose keyrings are not made by the wrapped method: their key calls are not visible. */
  opaqueMaterials: number;
}

const counts: KeyPortCounts = {
  materials: 0,
  dataKeysGenerated: 0,
  dataKeysUnwrapped: 0,
  opaqueMaterials: 0,
};
const dir = process.env.BENCH_KEY_PORT_DIR;

/** A keyring that counts, then hands the work to the real one (the SDK accepts any KeyringNode subclass). */
class CountingKeyring extends KeyringNode {
  constructor(private readonly inner: KeyringNode) {
    super();
  }
  async _onEncrypt(material: NodeEncryptionMaterial): Promise<NodeEncryptionMaterial> {
    if (!material.hasUnencryptedDataKey) counts.dataKeysGenerated++;
    changed();
    return this.inner.onEncrypt(material);
  }
  async _onDecrypt(
    material: NodeDecryptionMaterial,
    encryptedDataKeys: EncryptedDataKey[],
  ): Promise<NodeDecryptionMaterial> {
    counts.dataKeysUnwrapped++;
    changed();
    return this.inner.onDecrypt(material, encryptedDataKeys);
  }
}

let scheduled = false;
function flush(): void {
  scheduled = false;
  if (dir === undefined) return;
  try {
    writeFileSync(path.join(dir, `${process.pid}-${threadId}.json`), JSON.stringify(counts));
  } catch {
    // The bench removes the folder when it is done; a late write has nowhere to go and is not needed.
  }
}
function changed(): void {
  if (scheduled) return;
  scheduled = true;
  setTimeout(flush, 100).unref();
}

if (dir !== undefined) {
  const originalKeyring = LocalKeyProvider.prototype.keyring;
  const countedKeyring = async function countedKeyring(
    this: LocalKeyProvider,
    keyName: string,
  ): Promise<KeyringNode> {
    return new CountingKeyring(await originalKeyring.call(this, keyName));
  };
  LocalKeyProvider.prototype.keyring = countedKeyring;
  const originalMaterials = LocalKeyProvider.prototype.materials;
  LocalKeyProvider.prototype.materials = async function countedMaterials(
    this: LocalKeyProvider,
    keyName: string,
  ): Promise<KeyMaterials> {
    const materials = await originalMaterials.call(this, keyName);
    counts.materials++;
    // A provider that makes its keyrings some other way (a subclass) escapes the count: say so.
    if (this.keyring !== countedKeyring) counts.opaqueMaterials++;
    changed();
    return materials;
  };
  process.on('exit', flush);
}
