import type { z } from 'zod';
import { PipelineError } from '../core/errors.js';
import type { ObjectStore } from '../ports/index.js';

/** Reads one of our own JSON records and checks its shape; undefined when absent. */
export async function readOptionalJsonRecord<S extends z.ZodType>(
  objects: ObjectStore,
  key: string,
  schema: S,
): Promise<z.infer<S> | undefined> {
  const stored = await objects.get(key);
  if (!stored) return undefined;
  const parsed = schema.safeParse(JSON.parse(Buffer.from(stored.body).toString('utf8')));
  if (!parsed.success)
    throw new PipelineError('store-unavailable', 'a stored record has an unexpected shape');
  return parsed.data;
}

export async function readJsonRecord<S extends z.ZodType>(
  objects: ObjectStore,
  key: string,
  schema: S,
): Promise<z.infer<S>> {
  const record = await readOptionalJsonRecord(objects, key, schema);
  if (record === undefined) {
    throw new PipelineError('store-unavailable', 'a record vanished while being read', { retryable: true });
  }
  return record;
}
