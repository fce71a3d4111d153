import { z } from 'zod';
import { PipelineError } from '../core/errors.js';
import type { ObjectStore } from '../ports/index.js';
import { writeConsumerStatus } from './consumer-status.js';
import { jsonRecord } from './json-records.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { ConsumerNotificationSchema, type DeliverMessage } from './queue-messages.js';
import { retryBriefly } from './retry-briefly.js';
import { storageKeys } from './storage-keys.js';

/**
 * `deliveries/{c}/{id}.json`: who is delivering one consumer's share, and whether it went out. Claimed
 * create-if-absent with a lease by the message doing the work; `sent` once the consumer has it.
 */
export const DeliveryMarkerSchema = z.object({
  state: z.enum(['pending', 'sent']),
  /** The queue message id working on it; a retry of the same message is the same owner. */
  owner: z.string().optional(),
  /** Epoch ms until which another message must not take the delivery over. */
  leaseUntil: z.number().optional(),
  /** Object delivery: the notification, fixed at the first claim so every retry sends the same one. */
  notification: ConsumerNotificationSchema.optional(),
  /** FHIR delivery: what was (or is being) posted. */
  fhir: z.object({ entries: z.number().int().nonnegative(), createdAt: z.string() }).optional(),
});
export type DeliveryMarker = z.infer<typeof DeliveryMarkerSchema>;

export const deliveryMarkerRecord = jsonRecord('delivery-marker', DeliveryMarkerSchema);

/** Longer than one delivery takes; a crashed owner's claim is taken over after it. */
export const CLAIM_LEASE_MS = 120_000;

export const readDeliveryMarker = (
  objects: ObjectStore,
  consumer: string,
  submissionId: string,
): Promise<DeliveryMarker | undefined> =>
  deliveryMarkerRecord.read(objects, storageKeys.deliveryMarker(consumer, submissionId));

/** When the share was delivered, as recorded in its marker. */
export const deliveredAt = (marker: DeliveryMarker): string | undefined =>
  marker.notification?.createdAt ?? marker.fhir?.createdAt;

const busy = () =>
  new PipelineError('store-conflict', 'another worker holds this delivery', { retryable: true });

/**
 * Takes the delivery: creates the marker, or carries on our own earlier try or one whose lease ran
 * out. Another live claimer makes this a retryable `store-conflict`: the copy backs off and later
 * finds the marker `sent`.
 */
export async function claimDelivery(
  deps: PipelineDeps,
  key: string,
  existing: DeliveryMarker | undefined,
  claim: DeliveryMarker,
  now: number,
): Promise<void> {
  if (existing === undefined) {
    const { created } = await deliveryMarkerRecord.write(deps.objects, key, claim, { ifAbsent: true });
    if (!created) throw busy();
  } else if (existing.owner !== claim.owner && (existing.leaseUntil ?? 0) > now) {
    throw busy();
  } else {
    await deliveryMarkerRecord.write(deps.objects, key, claim);
  }
}

/** Marks the marker `sent`, then the consumer's status `delivered`. */
export async function completeDelivery(
  deps: PipelineDeps,
  msg: DeliverMessage,
  key: string,
  claim: DeliveryMarker,
  at: string,
): Promise<void> {
  await retryBriefly(() => deliveryMarkerRecord.write(deps.objects, key, { ...claim, state: 'sent' }));
  await retryBriefly(() => markDelivered(deps, msg, at));
}

export function markDelivered(deps: PipelineDeps, msg: DeliverMessage, at: string): Promise<void> {
  return writeConsumerStatus(deps.objects, msg.partner, msg.submissionId, {
    id: msg.consumer,
    status: 'delivered',
    at,
  });
}

/** Gives a claim up at once (its lease ends now), so a retry or a replayed copy may take the work over. */
export async function releaseDelivery(
  deps: Pick<PipelineDeps, 'objects'>,
  key: string,
  claim: DeliveryMarker,
): Promise<void> {
  await deliveryMarkerRecord.write(deps.objects, key, { ...claim, leaseUntil: 0 });
}
