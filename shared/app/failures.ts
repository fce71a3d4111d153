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
});
export type FailureRecord = z.infer<typeof FailureRecordSchema>;

export const failureRecord = jsonRecord('failure', FailureRecordSchema);

export async function recordFailure(
  objects: ObjectStore,
  queue: string,
  messageId: string,
  reason: string,
  at: string,
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
  };
  await failureRecord.write(objects, key, record);
  return record;
}

export const readFailure = (objects: ObjectStore, queue: string, messageId: string) =>
  failureRecord.read(objects, storageKeys.failure(queue, messageId));
