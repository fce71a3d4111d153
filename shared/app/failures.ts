import { z } from 'zod';
import type { ObjectStore } from '../ports/index.js';
import { jsonRecord } from './json-records.js';
import { storageKeys } from './storage-keys.js';

/** Why a message failed, kept beside the queues so `phi dlq list` can say it: codes and counts only. */
export const FailureRecordSchema = z.object({
  queue: z.string(),
  messageId: z.string(),
  firstReason: z.string(),
  lastReason: z.string(),
  attempts: z.number().int(),
  firstAt: z.string(),
  lastAt: z.string(),
  /**
   * Where in the content the failure is, when the error names it (`residual-phi`: the first path
   * that failed the release gate, and what kind of value was there). A location, never a value.
   */
  where: z.object({ path: z.string().max(512), kind: z.string().max(64) }).optional(),
});
export type FailureRecord = z.infer<typeof FailureRecordSchema>;

export const failureRecord = jsonRecord('failure', FailureRecordSchema);

export async function recordFailure(
  objects: ObjectStore,
  queue: string,
  messageId: string,
  reason: string,
  at: string,
  where?: FailureLocation,
): Promise<FailureRecord> {
  const key = storageKeys.failure(queue, messageId);
  const previous = await failureRecord.read(objects, key);
  const record: FailureRecord = {
    queue,
    messageId,
    firstReason: previous?.firstReason ?? reason,
    lastReason: reason,
    attempts: (previous?.attempts ?? 0) + 1,
    firstAt: previous?.firstAt ?? at,
    lastAt: at,
    ...(where === undefined ? (previous?.where ? { where: previous.where } : {}) : { where }),
  };
  await failureRecord.write(objects, key, record);
  return record;
}

export const readFailure = (objects: ObjectStore, queue: string, messageId: string) =>
  failureRecord.read(objects, storageKeys.failure(queue, messageId));

export type FailureLocation = NonNullable<FailureRecord['where']>;

/** Paths as the release gate writes them: element names, dots and indexes, nothing else. */
const LOCATION_PATH = /^[A-Za-z][A-Za-z0-9_.[\]-]{0,511}$/;
const LOCATION_KIND = /^[a-z0-9-]{1,64}$/;

/** The location an error's details name (`path`, `kind`), if they are a safe path and a code. */
export function failureLocation(
  details: Readonly<Record<string, unknown>> | undefined,
): FailureLocation | undefined {
  const path = details?.path;
  const kind = details?.kind;
  return typeof path === 'string' &&
    typeof kind === 'string' &&
    LOCATION_PATH.test(path) &&
    LOCATION_KIND.test(kind)
    ? { path, kind }
    : undefined;
}
