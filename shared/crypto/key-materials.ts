import type { KeyringNode, NodeMaterialsManager } from '@aws-crypto/client-node';
import type { KeyMaterials } from '../ports/key-provider.js';

/** What a KeyMaterials is inside: the keyring or materials manager the Encryption SDK encrypts with. */
export type EncryptionMaterials = KeyringNode | NodeMaterialsManager;

/** Adapters hand their keyring out through the port as opaque materials. */
export const asKeyMaterials = (materials: EncryptionMaterials): KeyMaterials =>
  materials as unknown as KeyMaterials;

/** The envelope (and tests that drive the SDK directly) open them again. */
export const encryptionMaterials = (materials: KeyMaterials): EncryptionMaterials =>
  materials as unknown as EncryptionMaterials;

/**
 * A materials manager that builds the real one on its first request: handing out materials (which
 * makes sure the key exists) does not load the Encryption SDK; the envelope that uses them does.
 */
export function deferredMaterials(build: () => Promise<NodeMaterialsManager>): NodeMaterialsManager {
  let built: Promise<NodeMaterialsManager> | undefined;
  const manager = (): Promise<NodeMaterialsManager> => {
    built ??= build();
    built.catch(() => {
      built = undefined;
    });
    return built;
  };
  return {
    getEncryptionMaterials: async (request) => (await manager()).getEncryptionMaterials(request),
    decryptMaterials: async (request) => (await manager()).decryptMaterials(request),
  };
}
