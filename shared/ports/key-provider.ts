import type { Jwk } from './jwk.js';

declare const keyMaterialsBrand: unique symbol;

/**
 * The materials of one named key, opaque outside shared/crypto: there (shared/crypto/key-materials.ts)
 * an AWS Encryption SDK keyring or materials manager. Only adapters make them, only the envelope opens them.
 */
export interface KeyMaterials {
  readonly [keyMaterialsBrand]: 'KeyMaterials';
}

/**
 * Keys by name, never by anything a message carries. Envelope encryption itself lives in
 * shared/crypto/envelope.ts (the AWS Encryption SDK); adapters only supply keyrings:
 * a raw AES keyring over a local master key on the embedded default, a KMS keyring on AWS.
 */
export interface KeyProvider {
  /** Materials for the named key: `data` for raw submissions, `consumer:<id>` per consumer. */
  materials(keyName: string): Promise<KeyMaterials>;
}

/** The access-token issuer key: a local P-256 key on the embedded default, a KMS ECC_NIST_P256 key on AWS. */
export interface TokenSigner {
  readonly alg: 'ES256';
  kid(): Promise<string>;
  publicJwk(): Promise<Jwk>;
  /** Signs the JWS signing input; returns the raw (IEEE P1363, r||s) signature. */
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
}
