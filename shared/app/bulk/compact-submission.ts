import { isResourceType } from '../../core/deid/model.js';
import { Submission } from '../../core/deid/references.js';
import { hash64 } from './hashed-terms.js';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const URN_UUID = /^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A growable, then sorted, array of 64-bit keys: 8 bytes an entry instead of a Set's string and slot. */
class HashSet64 {
  private keys = new BigUint64Array(1024);
  private count = 0;
  private sorted = true;

  add(key: bigint): void {
    if (this.count === this.keys.length) {
      const bigger = new BigUint64Array(this.keys.length * 2);
      bigger.set(this.keys);
      this.keys = bigger;
    }
    this.keys[this.count++] = key;
    this.sorted = false;
  }

  /** The first index whose key is >= `key` (keys sorted first). */
  lowerBound(key: bigint): number {
    if (!this.sorted) {
      this.keys = this.keys.slice(0, this.count).sort();
      this.sorted = true;
    }
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] ?? 0n) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  at(index: number): bigint | undefined {
    return index < this.count ? this.keys[index] : undefined;
  }

  has(key: bigint): boolean {
    return this.at(this.lowerBound(key)) === key;
  }
}

/**
 * `Submission` for a bulk submission of millions of lines: the same answers from 64-bit hashes of the
 * `Type/id`s and `urn:uuid:`s (about 16 bytes a line instead of ~150), sorted once when pass two starts.
 * A hash collision (about n²/2^64) could only make an outside reference look inside the submission,
 * where it is pseudonymized like any other: never a value kept.
 */
export class CompactSubmission extends Submission {
  private readonly hashedTypeIds = new HashSet64();
  /** (hash of the lower-case urn, 56 bits) << 8 | index of the resource type. */
  private readonly hashedUuids = new HashSet64();
  private readonly types: string[] = [];
  private readonly typeIndex = new Map<string, number>();
  /** ids with upper-case letters keep their exact spelling: the answer is `Type/<id as written>`. */
  private readonly exact = new Map<string, string | undefined>();

  override add(resource: unknown): void {
    if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) return;
    const { resourceType, id } = resource as { resourceType?: unknown; id?: unknown };
    if (!isResourceType(resourceType) || resourceType === 'Bundle') return;
    if (typeof id !== 'string' || !FHIR_ID.test(id)) return;
    const typeId = `${resourceType}/${id}`;
    this.hashedTypeIds.add(hash64(typeId));
    const urn = `urn:uuid:${id}`;
    if (!URN_UUID.test(urn)) return;
    const key = urn.toLowerCase();
    if (key !== urn) {
      this.exact.set(key, this.exact.has(key) && this.exact.get(key) !== typeId ? undefined : typeId);
      return;
    }
    let type = this.typeIndex.get(resourceType);
    if (type === undefined) {
      type = this.types.length;
      this.types.push(resourceType);
      this.typeIndex.set(resourceType, type);
    }
    // 255 types at most in R4's ~150: the index fits the low byte.
    this.hashedUuids.add((hash64(key) & ~0xffn) | BigInt(type & 0xff));
  }

  override has(typeId: string): boolean {
    return this.hashedTypeIds.has(hash64(typeId));
  }

  override uuidTarget(urn: string): string | undefined {
    const key = urn.toLowerCase();
    const high = hash64(key) & ~0xffn;
    let found: string | undefined;
    let seen = 0;
    for (let i = this.hashedUuids.lowerBound(high); ; i++) {
      const entry = this.hashedUuids.at(i);
      if (entry === undefined || (entry & ~0xffn) !== high) break;
      const type = this.types[Number(entry & 0xffn)];
      if (found !== undefined && type !== found) return undefined;
      found = type;
      seen++;
    }
    const exact = this.exact.get(key);
    if (this.exact.has(key)) {
      // The same UUID also written in lower case is another `Type/id` spelling: ambiguous, as in Submission.
      return seen > 0 ? undefined : exact;
    }
    return found === undefined ? undefined : `${found}/${key.slice('urn:uuid:'.length)}`;
  }
}
