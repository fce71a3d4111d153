/**
 * Bounds of the data-key cache both key adapters share (shared-data-key-cmm.ts), kept apart from it so
 * that configuring a key provider does not load the Encryption SDK.
 */
export interface DataKeyCacheBounds {
  /** How long one data key is used and remembered, in ms. */
  readonly maxAgeMs: number;
  /** Messages one data key may encrypt. */
  readonly maxMessagesEncrypted: number;
  /** Plaintext bytes one data key may encrypt. */
  readonly maxBytesEncrypted: number;
}

export interface DataKeyCacheOptions extends DataKeyCacheBounds {
  /** Entries the cache holds (data keys for encryption and unwrapped ones for decryption). */
  readonly capacity: number;
}

/**
 * Defaults (shared/runtime/config.ts, PHI_KMS_CACHE_*): one data key serves at most 10,000 objects or
 * 1 GiB, for at most 5 minutes, per key name and purpose/partner/consumer.
 */
export const DEFAULT_DATA_KEY_CACHE: DataKeyCacheOptions = {
  maxAgeMs: 5 * 60_000,
  maxMessagesEncrypted: 10_000,
  maxBytesEncrypted: 1024 * 1024 * 1024,
  capacity: 1000,
};

/** Context entries bound into the key calls besides the key name: few values each, never an object id. */
export const DEFAULT_KMS_CONTEXT_KEYS: readonly string[] = ['purpose', 'partner', 'consumer'];

/** The context key naming the pipeline key in every key call, so two names never share a data key. */
export const KMS_CONTEXT_KEY_NAME = 'phi-key';
