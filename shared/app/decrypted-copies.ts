import { createHash } from 'node:crypto';

/** Small submissions only: a bulk file is streamed, never held. */
const MAX_ENTRY_BYTES = 1024 * 1024;
const MAX_TOTAL_BYTES = 16 * 1024 * 1024;
/** Long enough for one submission's process and deliver messages, which follow each other in seconds. */
const TTL_MS = 60_000;

interface Entry {
  readonly plaintext: Uint8Array;
  readonly until: number;
}

/**
 * Plaintexts of stored ciphertexts this process decrypted a moment ago, keyed by the SHA-256 of the
 * exact ciphertext bytes and the encryption context: an authenticated decryption of the same bytes
 * under the same context can only give the same plaintext, so a hit is what decrypting again would
 * return, and a changed or damaged object (other bytes) misses and is decrypted (and refused) as
 * before. One submission's process and deliver workers (one per consumer) decrypt its raw object
 * once instead of once each. Bounded in entries' size, total size and age; memory only.
 */
export class DecryptedCopies {
  private readonly entries = new Map<string, Entry>();
  private total = 0;

  constructor(private readonly now: () => number = Date.now) {}

  keyOf(ciphertext: Uint8Array, context: Readonly<Record<string, string>>): string {
    const hash = createHash('sha256').update(ciphertext);
    for (const name of Object.keys(context).sort()) hash.update(`\0${name}\0${context[name]}`);
    return hash.digest('hex');
  }

  /** A copy of the plaintext: a caller that changes its bytes changes only its own. */
  get(key: string): Uint8Array | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= this.now()) {
      this.remove(key, entry);
      return undefined;
    }
    return entry.plaintext.slice();
  }

  put(key: string, plaintext: Uint8Array): void {
    if (plaintext.byteLength > MAX_ENTRY_BYTES || this.entries.has(key)) return;
    this.entries.set(key, { plaintext: plaintext.slice(), until: this.now() + TTL_MS });
    this.total += plaintext.byteLength;
    // Oldest first (insertion order) until it fits again.
    for (const [k, entry] of this.entries) {
      if (this.total <= MAX_TOTAL_BYTES) break;
      this.remove(k, entry);
    }
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.total -= entry.plaintext.byteLength;
  }
}

/** This thread's copies (the embedded stack's workers share one thread; a Lambda container has its own). */
export const decryptedCopies = new DecryptedCopies();
