import { recordAudit } from '../audit-events.js';
import { standingRefusal } from '../partner-governance.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import type { IngestMessage } from '../queue-messages.js';
import { storageKeys } from '../storage-keys.js';
import type { SubmissionFailure, SubmissionRecord } from '../submission.js';
import { submissionRecords } from '../submission-records.js';
import { storeBulkAcknowledgements } from './bulk-acknowledgements.js';
import { recordBulkInterchanges } from './bulk-interchanges.js';
import { type LineErrorLog, lineErrorsNdjson } from './line-errors.js';
import {
  parseLandingKey,
  uploadArrivals,
  uploadErrorsEncryptionContext,
  uploadMultiparts,
  uploadVerification,
} from './upload-records.js';
import { verifyBulkFiles } from './verify-files.js';

/** What an S3 `ObjectCreated` record says of a landed object (the key already URL-decoded). */
export interface LandedObject {
  readonly key: string;
  readonly size: number;
}

/**
 * An upload landed (S3 `ObjectCreated:Put` or `ObjectCreated:CompleteMultipartUpload` on AWS, the local host's own event embedded). Records the
 * arrival; the arrival that completes the set verifies the submission. S3 events come at least once
 * and in any order, so every step is idempotent: a repeat finds its marker, the claim, or a settled
 * status. A file that belongs to no pending bulk submission is deleted, never kept.
 */
export async function uploadArrived(deps: PipelineDeps, object: LandedObject): Promise<void> {
  const where = parseLandingKey(object.key);
  if (where === undefined) return;
  const { partner, submissionId, index } = where;
  const record = await submissionRecords.read(deps.objects, partner, submissionId);
  const declared = record?.kind === 'bulk' ? record.files?.[index] : undefined;
  if (record === undefined || declared === undefined || record.status === 'failed') {
    await deps.uploads.delete(object.key);
    return;
  }
  if (record.status !== 'accepted') return;
  const now = deps.clock.now().toISOString();
  await uploadArrivals.record(deps.objects, partner, submissionId, index, object.size, now);
  const arrived = await uploadArrivals.count(deps.objects, partner, submissionId);
  if (arrived < (record.files?.length ?? 0)) return;
  const { created } = await uploadVerification.claim(deps.objects, partner, submissionId, now);
  if (!created) return;
  await verifyAndSettle(deps, record);
}

/** Verifies a bulk submission whose files have all landed, then moves it on or fails it. */
export async function verifyAndSettle(deps: PipelineDeps, record: SubmissionRecord): Promise<void> {
  const partner = await deps.partners.get(record.partner);
  if (partner === undefined || partner.status === 'disabled' || standingRefusal(partner, deps.clock.now())) {
    const message = 'The partner is not authorized to submit.';
    await failBulkSubmission(deps, record, { code: 'partner-not-authorized', message }, undefined);
    return;
  }
  const verification = await verifyBulkFiles(deps, record);
  // Before the ISA13s are marked as this submission's: a repeat is judged as the verification judged it.
  await storeBulkAcknowledgements(deps, record, verification.claimFiles);
  if (verification.ok) {
    await recordBulkInterchanges(deps.objects, record.partner, record.id, verification.interchanges);
    await moveOn(deps, record, verification.counts);
  } else await failBulkSubmission(deps, record, verification.failure, verification.errors);
}

/** Verified: status `processing`, then the ingest message the process worker takes, as for any submission. */
async function moveOn(
  deps: PipelineDeps,
  record: SubmissionRecord,
  counts: Record<string, number>,
): Promise<void> {
  await submissionRecords.replace(deps.objects, record.partner, record.id, {
    ...record,
    status: 'processing',
    resourceCounts: counts,
  });
  await queueIngest(deps, record);
  await recordAudit(deps.audit, deps.clock, {
    actor: { type: 'system', id: 'uploads' },
    action: 'upload.verified',
    outcome: 'success',
    submissionId: record.id,
    details: { kind: 'bulk', files: record.files?.length ?? 0, bytes: record.bytes },
  });
  await deleteLanded(deps, record);
}

/** The bulk ingest message (deduplicated by submission), then the marker that says it went out. */
export async function queueIngest(deps: PipelineDeps, record: SubmissionRecord): Promise<void> {
  const message: IngestMessage = {
    version: 1,
    type: 'submission.accepted',
    submissionId: record.id,
    partner: record.partner,
    kind: 'bulk',
    bucket: deps.objects.bucket,
    key: storageKeys.raw(record.partner, record.id),
    contentDigest: record.contentDigest,
    receivedAt: record.receivedAt,
    files: record.files ?? [],
  };
  await deps.queue.send(deps.settings.ingestQueue, JSON.stringify(message), {
    deduplicationId: `bulk-${record.id}`,
  });
  await uploadVerification.mark(
    deps.objects,
    record.partner,
    record.id,
    'queued',
    deps.clock.now().toISOString(),
  );
}

/**
 * Fails the whole submission: the per-line report (encrypted) first, then status `failed` with the
 * failure, one audit record, and every landed and raw object of it deleted. Nothing was queued.
 */
export async function failBulkSubmission(
  deps: PipelineDeps,
  record: SubmissionRecord,
  failure: SubmissionFailure,
  errors: LineErrorLog | undefined,
): Promise<void> {
  if (errors !== undefined && errors.count > 0) {
    const ciphertext = await deps.envelope.encrypt(
      'data',
      lineErrorsNdjson(errors),
      uploadErrorsEncryptionContext(record.partner, record.id),
    );
    await deps.objects.put(storageKeys.uploadErrors(record.partner, record.id), ciphertext, {
      contentType: 'application/octet-stream',
    });
  }
  await submissionRecords.replace(deps.objects, record.partner, record.id, {
    ...record,
    status: 'failed',
    failure,
  });
  await uploadVerification.mark(
    deps.objects,
    record.partner,
    record.id,
    'failed',
    deps.clock.now().toISOString(),
  );
  await recordAudit(deps.audit, deps.clock, {
    actor: { type: 'system', id: 'uploads' },
    action: 'upload.failed',
    outcome: 'failure',
    code: failure.code,
    submissionId: record.id,
    details: {
      kind: 'bulk',
      ...(failure.file === undefined ? {} : { file: failure.file }),
      lineErrors: errors?.count ?? 0,
    },
  });
  await deleteLanded(deps, record);
  for (const file of record.files ?? []) {
    await deps.objects.delete(storageKeys.rawFile(record.partner, record.id, file.index));
  }
}

/** Landed files, and any multipart upload still open (its parts would otherwise wait for the lifecycle rule). */
async function deleteLanded(deps: PipelineDeps, record: SubmissionRecord): Promise<void> {
  for (const file of record.files ?? []) {
    await deps.uploads.delete(storageKeys.upload(record.partner, record.id, file.index));
  }
  for (const multipart of await uploadMultiparts.all(deps.objects, record.partner, record.id)) {
    await deps.uploads.abortMultipart(
      storageKeys.upload(record.partner, record.id, multipart.index),
      multipart.uploadId,
    );
  }
}
