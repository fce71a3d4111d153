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
