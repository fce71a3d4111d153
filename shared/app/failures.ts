import { z } from 'zod';
import type { ObjectStore } from '../ports/index.js';
import { readOptionalJsonRecord } from './json-records.js';

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

export const failureKey = (queue: string, messageId: string) => `failures/${queue}/${messageId}.json`;

export async function recordFailure(
  objects: ObjectStore,
  queue: string,
  messageId: string,
  reason: string,
  at: string,
): Promise<FailureRecord> {
  const key = failureKey(queue, messageId);
  const previous = await readOptionalJsonRecord(objects, key, FailureRecordSchema);
  const record: FailureRecord = {
    queue,
    messageId,
    firstReason: previous?.firstReason ?? reason,
    lastReason: reason,
    attempts: (previous?.attempts ?? 0) + 1,
    firstAt: previous?.firstAt ?? at,
    lastAt: at,
  };
  await objects.put(key, new TextEncoder().encode(JSON.stringify(record)), {
    contentType: 'application/json',
  });
  return record;
}

export const readFailure = (objects: ObjectStore, queue: string, messageId: string) =>
  readOptionalJsonRecord(objects, failureKey(queue, messageId), FailureRecordSchema);
