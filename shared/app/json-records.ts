import type { z } from 'zod';
import { PipelineError } from '../core/errors.js';
import type { ObjectStore } from '../ports/index.js';

/**
 * The pipeline's own PHI-free JSON records (statuses, claims, markers, failure records): one codec per
 * record type, and the one place a record is encoded and put. Errors name the record type, never a value.
 */
export interface JsonRecord<T> {
  /** The record type, in error details (`delivery-marker`, `submission`, …). */
  readonly name: string;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
  /** The record at `key`, or undefined when there is none. */
  read(objects: ObjectStore, key: string): Promise<T | undefined>;
  /** The record at `key`; its absence is a retryable `store-unavailable` (it vanished while being read). */
  require(objects: ObjectStore, key: string): Promise<T>;
  /** Puts the record (create-if-absent with `ifAbsent`; then `created` is false when one exists). */
  write(
    objects: ObjectStore,
    key: string,
    value: T,
    options?: { ifAbsent?: boolean },
  ): Promise<{ created: boolean }>;
}

export const encodeJson = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

export function jsonRecord<S extends z.ZodType>(name: string, schema: S): JsonRecord<z.infer<S>> {
  const details = { record: name };
  const record: JsonRecord<z.infer<S>> = {
    name,
    encode(value) {
      // The stored bytes are the value as given; the check only keeps a malformed record from being written.
      if (!schema.safeParse(value).success)
        throw new PipelineError('internal', 'a record to store does not match its schema', { details });
      return encodeJson(value);
    },
    decode(bytes) {
      let json: unknown;
      try {
        json = JSON.parse(Buffer.from(bytes).toString('utf8'));
      } catch {
        // Retried as any unforeseen failure is: the parser's message could quote the bytes.
        throw new PipelineError('internal', 'a stored record is not JSON', { retryable: true, details });
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success)
        throw new PipelineError('store-unavailable', 'a stored record has an unexpected shape', { details });
      return parsed.data;
    },
    async read(objects, key) {
      const stored = await objects.get(key);
      return stored === undefined ? undefined : record.decode(stored.body);
    },
    async require(objects, key) {
      const found = await record.read(objects, key);
      if (found === undefined) {
        throw new PipelineError('store-unavailable', 'a record vanished while being read', {
          retryable: true,
          details,
        });
      }
      return found;
    },
    async write(objects, key, value, options = {}) {
      return objects.put(key, record.encode(value), {
        ...(options.ifAbsent === true ? { ifAbsent: true } : {}),
        contentType: 'application/json',
      });
    },
  };
  return record;
}
