import { createHmac } from 'node:crypto';
import { PipelineError } from '../errors.js';

/**
 * Keyed pseudonyms and offsets: HMAC-SHA-256 under sub-keys derived from the consumer's secret, the
 * contract name and the key id. Two consumers (or two key ids) therefore get unlinkable pseudonyms
 * from the same source ids, and the same (secret, contract, key id) always gives the same output:
 * no state, no randomness, so NDJSON lines and later submissions stay consistent.
 */
export const MIN_SECRET_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
/**
 * Entries per cache kind, dropped whole when full. Engines live as long as their process (the
 * compiled-contract cache keeps one per consumer), so this is held for good: about 160 bytes an
 * entry, 16 MB a kind at 100,000, times the kinds and the consumers, was most of the worker thread's
 * heap after a bulk copy. 20,000 was as fast over 34,000 fresh-id NDJSON lines (3.41 and 3.24 CPU s
 * against 3.60 and 3.32).
 */
const CACHE_LIMIT = 20_000;

type Purpose = 'resource' | 'identifier' | 'token' | 'date-shift';

export class Pseudonyms {
  private readonly keys: Record<Purpose, Buffer>;
  /** One cache per kind of pseudonym, held directly: every id, reference and identifier asks. */
  private readonly resources = new Map<string, string>();
  private readonly identifiers = new Map<string, string>();
  private readonly tokens = new Map<string, string>();
  private readonly oids = new Map<string, string>();

  constructor(secret: Uint8Array, keyId: string, scope: string) {
    if (!(secret instanceof Uint8Array) || secret.byteLength < MIN_SECRET_BYTES) {
      throw new PipelineError(
        'config-invalid',
        `De-identification secret must be at least ${MIN_SECRET_BYTES} bytes`,
      );
    }
    if (!KEY_ID.test(keyId)) {
      throw new PipelineError('config-invalid', 'De-identification key id must match [A-Za-z0-9._-]{1,64}');
    }
    const derive = (purpose: Purpose): Buffer =>
      createHmac('sha256', secret).update(`phi-pipeline/deid/v1|${purpose}|${scope}|${keyId}`).digest();
    this.keys = {
      resource: derive('resource'),
      identifier: derive('identifier'),
      token: derive('token'),
      'date-shift': derive('date-shift'),
    };
  }

  private mac(purpose: Purpose, input: string): Buffer {
    return createHmac('sha256', this.keys[purpose]).update(input).digest();
  }

  private cached(cache: Map<string, string>, input: string, make: () => string): string {
    const hit = cache.get(input);
    if (hit !== undefined) return hit;
    if (cache.size >= CACHE_LIMIT) cache.clear();
    const value = make();
    cache.set(input, value);
    return value;
  }

  /**
   * An RFC 4122 UUID (version 4 layout, RFC 4122 variant) for a resource identity such as
   * `Patient/123`. The version nibble says "random" because, to anyone without the key, it is.
   * It is a valid FHIR id, and `urn:uuid:` + it a valid fullUrl.
   */
  resourceUuid(identity: string): string {
    return this.cached(this.resources, identity, () => formatUuid(this.mac('resource', identity)));
  }

  /** 32 lowercase hex characters (128 bits) for an identifier `system|value`. */
  identifierValue(system: string, value: string): string {
    return this.cached(this.identifiers, `${system}|${value}`, () =>
      this.mac('identifier', `${system}|${value}`).toString('hex', 0, 16),
    );
  }

  /** 32 lowercase hex characters for any other value (a valid FHIR id and string). */
  token(value: string): string {
    return this.cached(this.tokens, value, () => this.mac('token', value).toString('hex', 0, 16));
  }

  /** A DICOM-style OID under the UUID arc 2.25 (ITU-T X.667) for an OID or UID. */
  oid(value: string): string {
    return this.cached(
      this.oids,
      value,
      () => `2.25.${BigInt(`0x${this.mac('token', `oid|${value}`).toString('hex', 0, 16)}`)}`,
    );
  }

  /**
   * Days in [min, max] other than 0, the same for every call with the same patient key: uniform over
   * the non-zero days of the range, so no patient keeps real dates under a shifting contract. The
   * minimum magnitude is therefore 1 day; a contract wanting more sets a range that excludes it
   * (e.g. [30, 365]). A range that holds only 0 has nothing to draw from and is refused.
   */
  shiftDays(patientKey: string, min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min > max || (min === 0 && max === 0)) {
      throw new PipelineError('config-invalid', 'Date shift range must hold a non-zero whole number of days');
    }
    const spansZero = min <= 0 && max >= 0;
    const span = max - min + (spansZero ? 0 : 1);
    const days = min + (this.mac('date-shift', patientKey).readUInt32BE(0) % span);
    return spansZero && days >= 0 ? days + 1 : days;
  }
}

function formatUuid(digest: Buffer): string {
  const b = Buffer.from(digest.subarray(0, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
