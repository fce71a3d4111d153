import type { PipelineDeps } from '../pipeline-deps.js';
import { storageKeys } from '../storage-keys.js';
import { submissionRecords } from '../submission-records.js';
import { failBulkSubmission, queueIngest, verifyAndSettle } from './arrival.js';
import { type ExpiryMessage, expiryDeduplicationId } from './expiry-message.js';
import { uploadVerification } from './upload-records.js';

/** A verification claimed this long ago and still running is taken to have died with its process. */
const VERIFYING_TAKEOVER_MS = 30 * 60_000;

async function resend(deps: PipelineDeps, message: ExpiryMessage, seconds: number): Promise<void> {
  const attempt = (message.attempt ?? 0) + 1;
  if (attempt > 100) return;
  await deps.queue.send(deps.settings.uploads.expiryQueue, JSON.stringify({ ...message, attempt }), {
    delaySeconds: Math.min(900, Math.max(1, seconds)),
    deduplicationId: expiryDeduplicationId(message.submissionId, attempt),
  });
}

/**
 * The delayed check queued with every bulk submission. At `expiresAt` (plus the grace for uploads
 * still in flight) a submission still `accepted` is settled here whatever happened to its S3 events:
 * every file landed → verified now; otherwise failed `upload-incomplete`, naming the first missing
 * file. It also re-sends the ingest message of a verified submission whose send was lost.
 */
export async function checkUploadExpiry(deps: PipelineDeps, message: ExpiryMessage): Promise<void> {
  const record = await submissionRecords.read(deps.objects, message.partner, message.submissionId);
  if (record?.kind !== 'bulk' || record.expiresAt === undefined) return;
  if (record.status === 'processing') {
    const state = await uploadVerification.read(deps.objects, record.partner, record.id);
    if (state?.state !== 'queued') await queueIngest(deps, record);
    return;
  }
  if (record.status !== 'accepted') return;
  const files = record.files ?? [];
  const landed = await Promise.all(
    files.map((f) => deps.uploads.exists(storageKeys.upload(record.partner, record.id, f.index))),
  );
  const missing = landed.indexOf(false);
  const now = deps.clock.now().getTime();
  if (missing < 0) {
    // An arrival is verifying right now (a large file takes a while): look again later, then take over.
    const claim = await uploadVerification.read(deps.objects, record.partner, record.id);
    if (claim?.state === 'verifying' && now - Date.parse(claim.at) < VERIFYING_TAKEOVER_MS) {
      await resend(deps, message, 900);
      return;
    }
    await verifyAndSettle(deps, record);
    return;
  }
  const deadline = Date.parse(record.expiresAt) + deps.settings.uploads.graceSeconds * 1000;
  if (now < deadline) {
    await resend(deps, message, Math.ceil((deadline - now) / 1000));
    return;
  }
  await failBulkSubmission(
    deps,
    record,
    {
      code: 'upload-incomplete',
      file: files[missing]?.index ?? missing,
      message: 'Not every declared file arrived before the upload URLs expired.',
    },
    undefined,
  );
}
