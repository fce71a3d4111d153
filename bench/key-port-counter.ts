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
 * without changing shared/. `materials` is one envelope operation (one object encrypted or decrypted);
 * a keyring's onEncrypt/onDecrypt is one data key generated or unwrapped, which on AWS is one KMS call
 * (GenerateDataKey/Decrypt) unless a data-key cache answers first. Counts go to
 * `$BENCH_KEY_PORT_DIR/<pid>-<thread>.json`, rewritten as they change; the bench sums the files.
 */
export interface KeyPortCounts {
  materials: number;
  dataKeysGenerated: number;
  dataKeysUnwrapped: number;
  /** Materials handed out that are not a keyring (a materials manager): their key calls are not visible here. */
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
  const wrapped = new WeakMap<object, KeyMaterials>();
  const original = LocalKeyProvider.prototype.materials;
  LocalKeyProvider.prototype.materials = async function countedMaterials(
    this: LocalKeyProvider,
    keyName: string,
  ): Promise<KeyMaterials> {
    const materials = await original.call(this, keyName);
    counts.materials++;
    changed();
    const inner = materials as unknown as object;
    if (!(inner instanceof KeyringNode)) {
      counts.opaqueMaterials++;
      return materials;
    }
    let counting = wrapped.get(inner);
    if (counting === undefined) {
      counting = new CountingKeyring(inner) as unknown as KeyMaterials;
      wrapped.set(inner, counting);
    }
    return counting;
  };
  process.on('exit', flush);
}
