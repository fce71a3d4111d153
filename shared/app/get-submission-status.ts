import { reject } from '../core/errors.js';
import { SUBMISSION_ID } from '../core/ids.js';
import { auditRefusal, recordAudit } from './audit-events.js';
import { authenticate } from './authenticate.js';
import { readConsumerState } from './consumer-state.js';
import { listConsumerStatuses } from './consumer-status.js';
import type { PipelineDeps } from './pipeline-deps.js';
import type { ConsumerStatus, SubmissionRecord } from './submission.js';
import { submissionRecords } from './submission-records.js';

export interface SubmissionStatus {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly receivedAt: string;
  readonly contentDigest: string;
  readonly consumers: readonly ConsumerProgress[];
  /** `no-consumer`: processed, and no consumer contract takes this kind, so nothing was delivered. */
  readonly reason?: 'no-consumer';
  /** Bulk submissions: how many files the manifest declared, and until when they may arrive. */
  readonly files?: number;
  readonly expiresAt?: string;
  /** Bulk submissions with status `failed`: the code, the file (manifest index) and a fixed sentence. */
  readonly failure?: { readonly code: string; readonly file?: number; readonly message: string };
}

/**
 * One consumer's progress. `waiting: 'consumer-disabled'` (with `since`, when the operator disabled it):
 * the share is not delivered and is held in the consumer's deliver queue until `phi consumer enable`;
 * the status stays `processing`, never `delivered`.
 */
export interface ConsumerProgress {
  readonly id: string;
  readonly status: string;
  readonly at: string;
  readonly waiting?: 'consumer-disabled';
  readonly since?: string;
}

async function progressOf(
  objects: PipelineDeps['objects'],
  { id, status, at }: ConsumerStatus,
): Promise<ConsumerProgress> {
  if (status !== 'processing') return { id, status, at };
  // The flag only annotates; a status read does not fail because the flag could not be read.
  const state = await readConsumerState(objects, id).catch(() => undefined);
  return state?.state === 'disabled'
    ? { id, status, at, waiting: 'consumer-disabled', since: state.since }
    : { id, status, at };
}

/** Reads a submission by id within one partner's records; any other partner's id reads as unknown. */
export async function readSubmissionStatus(
  deps: Pick<PipelineDeps, 'objects'>,
  partnerId: string,
  submissionId: string,
): Promise<SubmissionStatus | undefined> {
  if (!SUBMISSION_ID.test(submissionId)) return undefined;
  const record = await submissionRecords.read(deps.objects, partnerId, submissionId);
  if (!record) return undefined;
  const consumers = await listConsumerStatuses(deps.objects, partnerId, submissionId);
  return {
    id: record.id,
    kind: record.kind,
    status: overallStatus(record, consumers),
    receivedAt: record.receivedAt,
    contentDigest: record.contentDigest,
    consumers: await Promise.all(consumers.map((c) => progressOf(deps.objects, c))),
    ...(record.expectedConsumers?.length === 0 ? { reason: 'no-consumer' as const } : {}),
    ...(record.files === undefined ? {} : { files: record.files.length }),
    ...(record.expiresAt === undefined ? {} : { expiresAt: record.expiresAt }),
    ...(record.failure === undefined ? {} : { failure: record.failure }),
  };
}

/**
 * The submission's status follows its consumers once any has reported. A submission whose ingest
 * message was dead-lettered says so, unless every consumer it was fanned out to has its copy: the
 * failure then came after a complete fan-out and lost nothing.
 */
function overallStatus(record: SubmissionRecord, consumers: readonly ConsumerStatus[]): string {
  const delivered = new Set(consumers.filter((c) => c.status === 'delivered').map((c) => c.id));
  const expected = record.expectedConsumers;
  if (expected !== undefined && expected.length > 0 && expected.every((c) => delivered.has(c)))
    return 'delivered';
  if (consumers.length === 0 || record.status === 'dead-lettered' || record.status === 'failed') {
    return record.status;
  }
  const states = new Set(consumers.map((c) => c.status));
  if (states.has('dead-lettered')) return 'dead-lettered';
  if (states.has('failed')) return 'failed';
  if ([...states].every((s) => s === 'delivered')) return 'delivered';
  return 'processing';
}

/** GET /v1/submissions/{id} for the partner holding the bearer token. */
export async function getSubmissionStatus(
  deps: PipelineDeps,
  req: { authorization: string | undefined; submissionId: string; requestId: string; sourceIp: string },
): Promise<SubmissionStatus> {
  const refusal = { action: 'submission.read', requestId: req.requestId, sourceIp: req.sourceIp };
  return auditRefusal(deps.audit, deps.clock, refusal, async (identify) => {
    const { partner } = await authenticate(deps, req, 'status');
    identify(partner.id);
    const status = await readSubmissionStatus(deps, partner.id, req.submissionId);
    if (!status) throw reject('not-found', 'no such submission');
    await recordAudit(deps.audit, deps.clock, {
      actor: { type: 'partner', id: partner.id },
      action: 'submission.read',
      outcome: 'success',
      requestId: req.requestId,
      submissionId: status.id,
      sourceIp: req.sourceIp,
    });
    return status;
  });
}
