/**
 * Blob storage for ciphertext and PHI-free records. Keys never hold PHI (SPEC §4).
 * Shaped after S3: create-if-absent maps to `If-None-Match: *`.
 */
export interface PutOptions {
  /** Fail with `store-conflict` when the key already exists (S3 If-None-Match: *). */
  readonly ifAbsent?: boolean;
  readonly contentType?: string;
}

export interface StoredObject {
  readonly body: Uint8Array;
  readonly contentType: string | undefined;
}

export interface ObjectStore {
  /** Bucket (or root) name, surfaced in consumer notifications. */
  readonly bucket: string;
  /** Durable when it resolves. With `ifAbsent`, returns false instead of writing when the key exists. */
  put(key: string, body: Uint8Array, options?: PutOptions): Promise<{ created: boolean }>;
  get(key: string): Promise<StoredObject | undefined>;
  exists(key: string): Promise<boolean>;
  /** Keys under a prefix, lexicographic order. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}
