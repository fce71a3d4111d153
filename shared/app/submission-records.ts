import type { ObjectStore } from '../ports/index.js';
import { jsonRecord } from './json-records.js';
import { storageKeys } from './storage-keys.js';
import {
  type IdempotencyRecord,
  IdempotencyRecordSchema,
  type SubmissionRecord,
  SubmissionRecordSchema,
} from './submission.js';

const submissions = jsonRecord('submission', SubmissionRecordSchema);
const claims = jsonRecord('idempotency', IdempotencyRecordSchema);

/** `submissions/{partner}/{id}.json`: the PHI-free record behind GET /v1/submissions/{id}. */
export const submissionRecords = {
  codec: submissions,
  read: (objects: ObjectStore, partner: string, submissionId: string) =>
    submissions.read(objects, storageKeys.submission(partner, submissionId)),
  require: (objects: ObjectStore, partner: string, submissionId: string) =>
    submissions.require(objects, storageKeys.submission(partner, submissionId)),
  /** Written once at ingest (create-if-absent: a retried ingest finds its own record). */
  create: (objects: ObjectStore, partner: string, submissionId: string, record: SubmissionRecord) =>
    submissions.write(objects, storageKeys.submission(partner, submissionId), record, { ifAbsent: true }),
  replace: (objects: ObjectStore, partner: string, submissionId: string, record: SubmissionRecord) =>
    submissions.write(objects, storageKeys.submission(partner, submissionId), record),
};

/**
 * `idempotency/{partner}/{sha256(key)}.json`: which submission an Idempotency-Key (or a content digest)
 * stands for. Claimed create-if-absent as `pending`, then marked `complete` once the message is queued.
 */
export const idempotencyClaims = {
  codec: claims,
  /** `created` is false when the key was claimed before. */
  claim: (objects: ObjectStore, partner: string, key: string, claim: IdempotencyRecord) =>
    claims.write(objects, storageKeys.idempotency(partner, key), claim, { ifAbsent: true }),
  read: (objects: ObjectStore, partner: string, key: string) =>
    claims.read(objects, storageKeys.idempotency(partner, key)),
  require: (objects: ObjectStore, partner: string, key: string) =>
    claims.require(objects, storageKeys.idempotency(partner, key)),
  complete: (objects: ObjectStore, partner: string, key: string, claim: IdempotencyRecord) =>
    claims.write(objects, storageKeys.idempotency(partner, key), { ...claim, state: 'complete' }),
};
