import { reject } from '../core/errors.js';
import { SUBMISSION_ID } from '../core/ids.js';
import { auditRefusal, recordAudit } from './audit-events.js';
import { authenticate } from './authenticate.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { storageKeys } from './storage-keys.js';
import { acknowledgementEncryptionContext } from './submission.js';
import { submissionRecords } from './submission-records.js';

/** SPEC §5: the acknowledgements a claim submission has, by `?type=`. */
export const ACKNOWLEDGEMENT_TYPES = ['999', 'ta1', '277ca'] as const;
export type AcknowledgementType = (typeof ACKNOWLEDGEMENT_TYPES)[number];

const isAcknowledgementType = (value: string): value is AcknowledgementType =>
  (ACKNOWLEDGEMENT_TYPES as readonly string[]).includes(value);

/** Stores one acknowledgement, encrypted under the data key with its own context; create-if-absent. */
export async function storeAcknowledgement(
  deps: Pick<PipelineDeps, 'objects' | 'envelope'>,
  partner: string,
  submissionId: string,
  type: AcknowledgementType,
  text: string,
): Promise<void> {
  const key = storageKeys.acknowledgement(partner, submissionId, type);
  if (await deps.objects.exists(key)) return;
  const ciphertext = await deps.envelope.encrypt(
    'data',
    new TextEncoder().encode(text),
    acknowledgementEncryptionContext(partner, submissionId, type),
  );
  await deps.objects.put(key, ciphertext, { ifAbsent: true, contentType: 'application/octet-stream' });
}

async function readAcknowledgement(
  deps: Pick<PipelineDeps, 'objects' | 'envelope'>,
  partner: string,
  submissionId: string,
  type: AcknowledgementType,
): Promise<Uint8Array | undefined> {
  const stored = await deps.objects.get(storageKeys.acknowledgement(partner, submissionId, type));
  if (stored === undefined) return undefined;
  return deps.envelope.decrypt(
    'data',
    stored.body,
    acknowledgementEncryptionContext(partner, submissionId, type),
  );
}

/**
 * GET /v1/submissions/{id}/acknowledgement: the submitting partner's TA1, 999 or 277CA, for a claim
 * submission or a bulk one with 837 files. Another partner's id, a bundle submission and an acknowledgement not made yet (a 277CA before processing)
 * all read as `not-found`, the same answer as an unknown id.
 */
export async function getAcknowledgement(
  deps: PipelineDeps,
  req: {
    authorization: string | undefined;
    submissionId: string;
    type: string | undefined;
    requestId: string;
    sourceIp: string;
  },
): Promise<Uint8Array> {
  const refusal = { action: 'acknowledgement.read', requestId: req.requestId, sourceIp: req.sourceIp };
  return auditRefusal(deps.audit, deps.clock, refusal, async (identify) => {
    const { partner } = await authenticate(deps, req, 'acknowledgement');
    identify(partner.id);
    const type = (req.type ?? '999').toLowerCase();
    if (!isAcknowledgementType(type)) {
      throw reject('bad-request', 'type must be one of 999, ta1, 277ca', { expression: 'type' });
    }
    const record = SUBMISSION_ID.test(req.submissionId)
      ? await submissionRecords.read(deps.objects, partner.id, req.submissionId)
      : undefined;
    // A bulk submission with 837 files has them too (uploads/bulk-acknowledgements.ts).
    const claims = record?.kind === 'claim' || record?.files?.some((f) => f.kind === 'x12-837') === true;
    const ack =
      record !== undefined && claims
        ? await readAcknowledgement(deps, partner.id, record.id, type)
        : undefined;
    if (record === undefined || ack === undefined) throw reject('not-found', 'no such acknowledgement');
    await recordAudit(deps.audit, deps.clock, {
      actor: { type: 'partner', id: partner.id },
      action: 'acknowledgement.read',
      outcome: 'success',
      requestId: req.requestId,
      submissionId: record.id,
      sourceIp: req.sourceIp,
      details: { type },
    });
    return ack;
  });
}
