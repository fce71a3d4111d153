import { recordAudit } from './audit-events.js';
import { verifyBulkFiles } from './bulk/raw-files.js';
import { acknowledgeProcessedBulkClaims, acknowledgeProcessedClaims } from './claim-acknowledgement.js';
import { compiledContracts } from './compiled-contracts.js';
import { writeConsumerStatus } from './consumer-status.js';
import { contractTakes } from './load-contract.js';
import type { PipelineDeps } from './pipeline-deps.js';
import type { DeliverMessage, IngestMessage } from './queue-messages.js';
import { queueNames } from './queue-names.js';
import { decryptRaw } from './raw-submission.js';
import { submissionRecords } from './submission-records.js';

/**
 * The ingest worker: proves the stored original decrypts under its own context and matches its
 * digest, then fans out one deliver message per subscribed consumer onto that consumer's own queue,
 * so a failing consumer never blocks or re-runs another. Safe to run twice for one message.
 */
export async function processSubmission(
  deps: PipelineDeps,
  msg: IngestMessage,
): Promise<{ consumers: string[] }> {
  if (msg.kind === 'bulk') {
    // Streamed: every file decrypts under its own context and matches its manifest entry.
    await verifyBulkFiles(deps, msg);
    if (msg.files?.some((f) => f.kind === 'x12-837') === true)
      await acknowledgeProcessedBulkClaims(deps, msg);
  } else {
    const plaintext = await decryptRaw(deps, msg);
    if (msg.kind === 'claim') await acknowledgeProcessedClaims(deps, msg, plaintext);
  }
  const consumers: string[] = [];
  for (const stored of await deps.contracts.list()) {
    let accepts = true;
    try {
      accepts = contractTakes(compiledContracts.contractOf(stored), msg.kind, msg.files);
    } catch {
      // A broken contract still gets its share: its deliver worker dead-letters it with the reason,
      // and a replay after the fix delivers it.
    }
    if (accepts) consumers.push(stored.consumer);
  }
  await recordExpectedConsumers(deps, msg, consumers);
  const at = deps.clock.now().toISOString();
  // Every status before any deliver message (a deliver worker finds its status); the writes of each
  // step run together, so the statuses share their directory's fsync and the sends one queue commit.
  await Promise.all(
    consumers.map((consumer) =>
      writeConsumerStatus(
        deps.objects,
        msg.partner,
        msg.submissionId,
        { id: consumer, status: 'processing', at },
        { ifAbsent: true },
      ),
    ),
  );
  await Promise.all(
    consumers.map((consumer) => {
      const deliver: DeliverMessage = {
        version: 1,
        type: 'submission.deliver',
        submissionId: msg.submissionId,
        partner: msg.partner,
        consumer,
        kind: msg.kind,
        key: msg.key,
        contentDigest: msg.contentDigest,
        receivedAt: msg.receivedAt,
        ...(msg.files === undefined ? {} : { files: msg.files }),
      };
      return deps.queue.send(queueNames.deliver(consumer), JSON.stringify(deliver));
    }),
  );
  // A kind no contract takes stays `accepted`: nothing was delivered, and its status says why.
  await clearDeadLettered(deps, msg);
  await recordAudit(deps.audit, deps.clock, {
    actor: { type: 'system', id: 'process' },
    action: 'submission.processed',
    outcome: 'success',
    submissionId: msg.submissionId,
    details: { consumers: consumers.length, partner: msg.partner },
  });
  return { consumers };
}

async function markSubmission(
  deps: PipelineDeps,
  msg: IngestMessage,
  status: 'accepted' | 'dead-lettered',
): Promise<void> {
  const record = await submissionRecords.require(deps.objects, msg.partner, msg.submissionId);
  await submissionRecords.replace(deps.objects, msg.partner, msg.submissionId, { ...record, status });
}

/**
 * Which consumers this submission goes to, kept with it before any deliver message is sent, so its
 * status can tell a complete delivery from a fan-out that stopped partway.
 */
async function recordExpectedConsumers(
  deps: PipelineDeps,
  msg: IngestMessage,
  consumers: string[],
): Promise<void> {
  const record = await submissionRecords.require(deps.objects, msg.partner, msg.submissionId);
  if (record.expectedConsumers !== undefined) return;
  await submissionRecords.replace(deps.objects, msg.partner, msg.submissionId, {
    ...record,
    expectedConsumers: consumers,
  });
}

/** A replayed ingest message that now succeeds: its consumers' statuses speak for it again. */
async function clearDeadLettered(deps: PipelineDeps, msg: IngestMessage): Promise<void> {
  const record = await submissionRecords.require(deps.objects, msg.partner, msg.submissionId);
  if (record.status === 'dead-lettered') await markSubmission(deps, msg, 'accepted');
}

/** A permanent failure of the ingest message itself: the submission as a whole is dead-lettered. */
export async function markSubmissionDeadLettered(deps: PipelineDeps, msg: IngestMessage): Promise<void> {
  await markSubmission(deps, msg, 'dead-lettered');
}
