import { PipelineError } from '../../core/errors.js';

/**
 * String sets and string-keyed maps of small values kept as 64-bit hashes in typed arrays: the
 * identifier index of a bulk submission (the scrubber's terms, the release gate's terms, digits,
 * dates and prefixes) without a string per entry in the JS heap. About 18 to 36 bytes an entry
 * (9 bytes a slot, the table half to a quarter full) instead of the ~100 to 150 bytes of a `Set`
 * or `Map` entry with its string, and outside the JS heap, so V8's heap does not grow with the input.
 *
 * Answers are those of the exact set except when two distinct strings share all 64 bits (about
 * n / 2^64 per lookup for n entries): then a lookup says "present" for a string never added. Every
 * use here only looks values up to remove or refuse them, so a collision can only scrub or refuse
 * more, never release an identifier; nothing added is ever missed.
 */

/** Two independent 32-bit hashes of a string's UTF-16 code units (FNV-1a and a murmur-style mix). */
function hashPair(text: string, out: Uint32Array): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b ^= b >>> 13;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 16;
  out[0] = a >>> 0;
  out[1] = b >>> 0;
}

const INITIAL_SLOTS = 1024;

/**
 * Open addressing with linear probing over parallel typed arrays: `high`/`low` the two halves of a
 * key's hash, `tags` 0 for an empty slot, else the stored value + 1 (so values are 0..254).
 */
class HashTable64 {
  private high = new Uint32Array(INITIAL_SLOTS);
  private low = new Uint32Array(INITIAL_SLOTS);
  private tags = new Uint8Array(INITIAL_SLOTS);
  private count = 0;
  private readonly pair = new Uint32Array(2);

  get size(): number {
    return this.count;
  }

  /** The slot holding the string's hash, or the empty slot where it would go. */
  private slotOf(text: string): number {
    hashPair(text, this.pair);
    return this.probe(this.pair[0] ?? 0, this.pair[1] ?? 0);
  }

  private probe(high: number, low: number): number {
    const mask = this.tags.length - 1;
    let slot = (high ^ Math.imul(low, 0x9e3779b1)) & mask;
    while (this.tags[slot] !== 0 && (this.high[slot] !== high || this.low[slot] !== low)) {
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  /** The value stored for the string, or -1. */
  get(text: string): number {
    const tag = this.tags[this.slotOf(text)] ?? 0;
    return tag - 1;
  }

  /** Stores `value` (0..254) for the string; `keep`: an existing value stays (first one wins). */
  set(text: string, value: number, keep: boolean): void {
    let slot = this.slotOf(text);
    if (this.tags[slot] !== 0) {
      if (!keep) this.tags[slot] = value + 1;
      return;
    }
    if ((this.count + 1) * 2 > this.tags.length) {
      this.grow();
      slot = this.probe(this.pair[0] ?? 0, this.pair[1] ?? 0);
    }
    this.high[slot] = this.pair[0] ?? 0;
    this.low[slot] = this.pair[1] ?? 0;
    this.tags[slot] = value + 1;
    this.count++;
  }

  private grow(): void {
    const { high, low, tags } = this;
    this.high = new Uint32Array(tags.length * 2);
    this.low = new Uint32Array(tags.length * 2);
    this.tags = new Uint8Array(tags.length * 2);
    for (let i = 0; i < tags.length; i++) {
      const tag = tags[i] ?? 0;
      if (tag === 0) continue;
      const slot = this.probe(high[i] ?? 0, low[i] ?? 0);
      this.high[slot] = high[i] ?? 0;
      this.low[slot] = low[i] ?? 0;
      this.tags[slot] = tag;
    }
  }
}

/** A set of strings, stored as their hashes: `add`, `has`, `size` (what the identifier index asks of a Set). */
export class HashedStringSet {
  private readonly table = new HashTable64();

  get size(): number {
    return this.table.size;
  }

  add(text: string): this {
    this.table.set(text, 0, true);
    return this;
  }

  has(text: string): boolean {
    return this.table.get(text) >= 0;
  }
}

/**
 * A map from strings to one of a few values (the gate's hit kinds), stored as hashes and value
 * indices. `set` replaces as `Map.set` does; `setIfAbsent` keeps the first value.
 */
export class HashedStringMap<V> {
  private readonly table = new HashTable64();
  private readonly values: V[] = [];
  private readonly indexOf = new Map<V, number>();

  get size(): number {
    return this.table.size;
  }

  private index(value: V): number {
    let index = this.indexOf.get(value);
    if (index === undefined) {
      index = this.values.length;
      if (index > 254) throw new PipelineError('internal', 'a hashed map holds at most 255 distinct values');
      this.values.push(value);
      this.indexOf.set(value, index);
    }
    return index;
  }

  set(text: string, value: V): this {
    this.table.set(text, this.index(value), false);
    return this;
  }

  has(text: string): boolean {
    return this.table.get(text) >= 0;
  }

  get(text: string): V | undefined {
    const index = this.table.get(text);
    return index < 0 ? undefined : this.values[index];
  }
}
