import { recordAudit } from './audit-events.js';
import { readConsumerStatus, writeConsumerStatus } from './consumer-status.js';
import type { FailureLocation } from './failures.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { markSubmissionDeadLettered } from './process-submission.js';
import type { DeliverMessage, IngestMessage } from './queue-messages.js';

/**
 * A consumer's share could not be delivered: its status says so, with the reason code, and the audit
 * log, with the location the error named (`residual-phi`: the path that failed the release gate).
 */
export async function consumerShareDeadLettered(
  deps: PipelineDeps,
  msg: DeliverMessage | undefined,
  code: string,
  where?: FailureLocation,
): Promise<void> {
  // A redundant copy of work that was already delivered can still run out of tries; a delivered
  // share never moves backwards.
  const current = msg
    ? await readConsumerStatus(deps.objects, msg.partner, msg.submissionId, msg.consumer)
    : undefined;
  if (msg && current?.status !== 'delivered') {
    await writeConsumerStatus(deps.objects, msg.partner, msg.submissionId, {
      id: msg.consumer,
      status: 'dead-lettered',
      at: deps.clock.now().toISOString(),
      reason: code,
    });
  }
  await recordAudit(deps.audit, deps.clock, {
    actor: { type: 'system', id: 'deliver' },
    action: 'dead-letter',
    outcome: 'failure',
    code,
    ...(msg
      ? {
          submissionId: msg.submissionId,
          details: {
            consumer: msg.consumer,
            alreadyDelivered: current?.status === 'delivered',
            ...(where === undefined ? {} : { path: where.path, kind: where.kind }),
          },
        }
      : {}),
  });
}

/** The submission itself could not be processed (e.g. its ciphertext does not decrypt). */
export async function submissionDeadLettered(
  deps: PipelineDeps,
  msg: IngestMessage | undefined,
  code: string,
) {
  if (msg) await markSubmissionDeadLettered(deps, msg);
  await recordAudit(deps.audit, deps.clock, {
    actor: { type: 'system', id: 'process' },
    action: 'dead-letter',
    outcome: 'failure',
    code,
    ...(msg ? { submissionId: msg.submissionId } : {}),
  });
}
