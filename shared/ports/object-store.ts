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
  /**
   * `put` for bodies of any size, consumed as they are produced and never held whole: durable when it
   * resolves, and nothing is visible under `key` until the whole body is stored (no partial object).
   * `bytes` counts what was read from `body`. With `ifAbsent`, an existing key is left untouched and
   * `created` is false (the body is still read to its end). An error thrown by `body` rejects with
   * that same error and stores nothing.
   */
  putStream(
    key: string,
    body: AsyncIterable<Uint8Array>,
    options?: PutOptions,
  ): Promise<{ created: boolean; bytes: number }>;
  /**
   * The body of `key` in chunks, or undefined when the key does not exist. Integrity is checked as it
   * flows: a damaged object rejects the iteration (`store-unavailable`), at the latest at its end, so
   * callers must treat what they read as provisional until the iteration completes (the envelope's
   * per-frame authentication does that for ciphertext). Iterate it to the end or break out of it.
   */
  getStream(key: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  exists(key: string): Promise<boolean>;
  /** Keys under a prefix, lexicographic order. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}
