import type { Jwk } from './jwk.js';

export interface PartnerRecord {
  readonly id: string;
  /** Scopes the partner may be granted (SMART v1 `.write` or v2 `.c` forms). */
  readonly scopes: readonly string[];
  /** Public keys; each has `kid` and `alg` (the alg is pinned per key). */
  readonly keys: readonly Jwk[];
  readonly status: 'active' | 'disabled';
  readonly createdAt: string;
}

export interface PartnerRegistry {
  get(id: string): Promise<PartnerRecord | undefined>;
  put(record: PartnerRecord): Promise<void>;
  list(): Promise<PartnerRecord[]>;
}
