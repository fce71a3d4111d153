/** A consumer contract as stored: unparsed, with where it came from so errors can name the file. */
export interface StoredContract {
  /** Consumer id: the file's base name. */
  readonly consumer: string;
  /** File name or object key, for error messages. */
  readonly source: string;
  readonly json: unknown;
  /**
   * Identity of the stored bytes (a SHA-256 of the content): equal versions hold equal contracts, so a
   * parsed and compiled contract can be reused until the file changes. Optional: stores without it are
   * versioned by their parsed JSON.
   */
  readonly version?: string;
}

/**
 * Where operators keep consumer contracts, changeable without a deploy: PHI_HOME/contracts on the
 * embedded default, an S3 prefix on AWS.
 */
export interface ContractStore {
  list(): Promise<StoredContract[]>;
  get(consumer: string): Promise<StoredContract | undefined>;
}
