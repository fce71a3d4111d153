import type { X12ReadResult } from './read-model.js';
import { readX12, type X12ReadOptions } from './reader.js';

/**
 * The door's check of a claim file: one pass of the loop-aware reader with the 005010 837P and 837I
 * guides, SNIP levels 1 to 4. Throws `invalid-x12` only when the bytes cannot be read as X12; every
 * other defect is an issue of the result (positions, never values). A file is acceptable when the
 * result has no issue; `claimFileAccepted` says so.
 */
export function validateClaimFile(bytes: Uint8Array, options: X12ReadOptions = {}): X12ReadResult {
  return readX12(bytes, undefined, options);
}

/** No issue anywhere: every interchange, group and set is acceptable. */
export function claimFileAccepted(result: X12ReadResult): boolean {
  return result.issues.length === 0 && result.moreIssues === 0;
}
