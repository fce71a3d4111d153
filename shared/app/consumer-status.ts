import type { ObjectStore } from '../ports/index.js';
import { readOptionalJsonRecord } from './json-records.js';
import { storageKeys } from './storage-keys.js';
import { type ConsumerStatus, ConsumerStatusSchema } from './submission.js';

const statusKey = (partner: string, submissionId: string, consumer: string) =>
  `${storageKeys.consumerStatusPrefix(partner, submissionId)}${consumer}.json`;

export const readConsumerStatus = (
  objects: ObjectStore,
  partner: string,
  submissionId: string,
  consumer: string,
) => readOptionalJsonRecord(objects, statusKey(partner, submissionId, consumer), ConsumerStatusSchema);

/** One record per (submission, consumer): workers for different consumers never write the same object. */
export async function writeConsumerStatus(
  objects: ObjectStore,
  partner: string,
  submissionId: string,
  status: ConsumerStatus,
): Promise<void> {
  await objects.put(
    statusKey(partner, submissionId, status.id),
    new TextEncoder().encode(JSON.stringify(status)),
    {
      contentType: 'application/json',
    },
  );
}
