import type { ObjectStore } from '../ports/index.js';
import { jsonRecord } from './json-records.js';
import { storageKeys } from './storage-keys.js';
import { type ConsumerStatus, ConsumerStatusSchema } from './submission.js';

/** `submissions/{partner}/{id}/consumers/{consumer}.json`: one consumer's progress with one submission. */
export const consumerStatusRecord = jsonRecord('consumer-status', ConsumerStatusSchema);

export const readConsumerStatus = (
  objects: ObjectStore,
  partner: string,
  submissionId: string,
  consumer: string,
) => consumerStatusRecord.read(objects, storageKeys.consumerStatus(partner, submissionId, consumer));

/**
 * One record per (submission, consumer): workers for different consumers never write the same object.
 * With `ifAbsent`, an existing status is left as it is.
 */
export async function writeConsumerStatus(
  objects: ObjectStore,
  partner: string,
  submissionId: string,
  status: ConsumerStatus,
  options: { ifAbsent?: boolean } = {},
): Promise<void> {
  await consumerStatusRecord.write(
    objects,
    storageKeys.consumerStatus(partner, submissionId, status.id),
    status,
    options,
  );
}

/** Every consumer's status for one submission, in key order. */
export async function listConsumerStatuses(
  objects: ObjectStore,
  partner: string,
  submissionId: string,
): Promise<ConsumerStatus[]> {
  const statuses: ConsumerStatus[] = [];
  for (const key of await objects.list(storageKeys.consumerStatusPrefix(partner, submissionId))) {
    const status = await consumerStatusRecord.read(objects, key);
    if (status) statuses.push(status);
  }
  return statuses;
}
