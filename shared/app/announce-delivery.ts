import type { ConsumerContract } from '../core/deid/contract.js';
import { recordDelivery } from './audit-events.js';
import { CLAIM_LEASE_MS, claimDelivery, completeDelivery, type DeliveryMarker } from './delivery-marker.js';
import type { PipelineDeps } from './pipeline-deps.js';
import type { ConsumerNotification, DeliverMessage } from './queue-messages.js';
import { queueNames } from './queue-names.js';
import { storageKeys } from './storage-keys.js';

/** What a stored copy is, as its notification tells the consumer: a digest and counts, no content. */
export interface StoredCopy {
  readonly key: string;
  readonly contentType: string;
  /** Hex SHA-256 of the plaintext. */
  readonly sha256: string;
  readonly bytes: number;
  readonly resourceCounts: Record<string, number>;
}

/** The SPEC §4 notification of a stored copy. */
export const consumerNotification = (
  deps: Pick<PipelineDeps, 'objects' | 'clock'>,
  msg: DeliverMessage,
  contract: ConsumerContract,
  copy: StoredCopy,
): ConsumerNotification => ({
  version: 1,
  type: 'submission.delivered',
  submissionId: msg.submissionId,
  consumer: msg.consumer,
  bucket: deps.objects.bucket,
  key: copy.key,
  contentType: copy.contentType,
  sha256: copy.sha256,
  bytes: copy.bytes,
  resourceCounts: copy.resourceCounts,
  profile: contract.profile ?? 'safe-harbor',
  createdAt: deps.clock.now().toISOString(),
});

/**
 * What follows a stored copy, for every kind: claim the delivery marker (our own earlier try, or a
 * claimer whose lease ran out, carries on where it stopped), notify once (dedupe key
 * `{consumer}:{submissionId}`), audit, then mark it sent. The audit record comes before `sent`, so a
 * failure can repeat it but never lose it.
 */
export async function announceDelivery(
  deps: PipelineDeps,
  msg: DeliverMessage,
  delivery: {
    readonly marker: DeliveryMarker | undefined;
    readonly notification: ConsumerNotification;
    readonly messageId: string;
    readonly contractVersion: string;
  },
): Promise<void> {
  const { consumer, submissionId } = msg;
  const { notification } = delivery;
  const markerKey = storageKeys.deliveryMarker(consumer, submissionId);
  const now = deps.clock.now().getTime();
  const claim: DeliveryMarker = {
    state: 'pending',
    owner: delivery.messageId,
    leaseUntil: now + CLAIM_LEASE_MS,
    notification,
  };
  await claimDelivery(deps, markerKey, delivery.marker, claim, now);
  await deps.queue.send(queueNames.notify(consumer), JSON.stringify(notification), {
    deduplicationId: `${consumer}:${submissionId}`,
  });
  await recordDelivery(deps.audit, deps.clock, submissionId, {
    consumer,
    bytes: notification.bytes,
    profile: notification.profile,
    contract: delivery.contractVersion,
  });
  await completeDelivery(deps, msg, markerKey, claim, notification.createdAt);
}
