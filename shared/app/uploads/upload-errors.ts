import { reject } from '../../core/errors.js';
import { SUBMISSION_ID } from '../../core/ids.js';
import { auditRefusal, recordAudit } from '../audit-events.js';
import { authenticate } from '../authenticate.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import { storageKeys } from '../storage-keys.js';
import { submissionRecords } from '../submission-records.js';
import { uploadErrorsEncryptionContext } from './upload-records.js';

/**
 * GET /v1/submissions/{id}/errors: a bulk submission's per-line OperationOutcome NDJSON (empty while
 * there is none), to the submitting partner only. Another partner's id, an unknown id and a direct
 * (non-bulk) submission all answer `404 not-found`, alike.
 */
export async function getUploadErrors(
  deps: PipelineDeps,
  req: { authorization: string | undefined; submissionId: string; requestId: string; sourceIp: string },
): Promise<Uint8Array> {
  const refusal = { action: 'submission.read', requestId: req.requestId, sourceIp: req.sourceIp };
  return auditRefusal(deps.audit, deps.clock, refusal, async (identify) => {
    const { partner } = await authenticate(deps, req, 'errors');
    identify(partner.id);
    const record = SUBMISSION_ID.test(req.submissionId)
      ? await submissionRecords.read(deps.objects, partner.id, req.submissionId)
      : undefined;
    if (record?.kind !== 'bulk') throw reject('not-found', 'no such submission');
    const stored = await deps.objects.get(storageKeys.uploadErrors(partner.id, record.id));
    const body =
      stored === undefined
        ? new Uint8Array()
        : await deps.envelope.decrypt(
            'data',
            stored.body,
            uploadErrorsEncryptionContext(partner.id, record.id),
          );
    await recordAudit(deps.audit, deps.clock, {
      actor: { type: 'partner', id: partner.id },
      action: 'submission.read',
      outcome: 'success',
      requestId: req.requestId,
      submissionId: record.id,
      sourceIp: req.sourceIp,
      details: { part: 'errors' },
    });
    return body;
  });
}
