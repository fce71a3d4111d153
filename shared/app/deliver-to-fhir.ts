import type { ConsumerContract, FhirDeliverySettings } from '../core/deid/contract.js';
import { createDeidEngine } from '../core/deid/engine.js';
import { lineOutputs } from '../core/deid/gate/gate.js';
import { bundleResourcesForNdjson } from '../core/deid/ndjson.js';
import { withProvenanceLine } from '../core/deid/provenance.js';
import { transactionBundles } from '../core/fhir/transaction-bundles.js';
import type { FhirDeliveryConfig } from '../ports/fhir-delivery.js';
import { recordDelivery } from './audit-events.js';
import {
  CLAIM_LEASE_MS,
  claimDelivery,
  completeDelivery,
  type DeliveryMarker,
  releaseDelivery,
} from './delivery-marker.js';
import { requireFhirClientKey } from './fhir-client-key.js';
import type { PipelineDeps } from './pipeline-deps.js';
import type { DeliverMessage } from './queue-messages.js';
import { deidentifyShare } from './release-copy.js';
import { storageKeys } from './storage-keys.js';

export interface FhirShare {
  readonly contract: ConsumerContract;
  readonly delivery: FhirDeliverySettings;
  /** The submission as received, decrypted. */
  readonly plaintext: Uint8Array;
  /** The consumer's pseudonym and date-shift secret. */
  readonly secret: Uint8Array;
  readonly keyId: string;
  /** The marker as read before the work started (never `sent` here). */
  readonly marker: DeliveryMarker | undefined;
  readonly messageId: string;
}

/**
 * A consumer's share to its FHIR server: the de-identified resources as `transaction` Bundles of
 * `PUT Type/<pseudonymous id>` entries. PUT to a deterministic id is idempotent on the server, so a
 * retry after a crash between posting and marking `sent` updates the same resources instead of
 * creating copies; the marker keeps a replay after success from posting at all. The base URL is
 * operator configuration and stays out of the audit record with everything else but counts.
 */
export async function deliverToFhir(
  deps: PipelineDeps,
  msg: DeliverMessage,
  share: FhirShare,
): Promise<void> {
  const { consumer, submissionId } = msg;
  const { contract, delivery } = share;
  const privateJwk = await requireFhirClientKey(deps, consumer);
  const referenceDate = msg.receivedAt.slice(0, 10);
  const engine = createDeidEngine({
    contract,
    secret: share.secret,
    keyId: share.keyId,
    referenceDate,
  });
  const deidentified = deidentifyShare(engine, share.plaintext);
  // The share's Provenance (what was done, counts only) goes last, PUT like the rest: its targets
  // are the `Type/id`s of the resources posted before it, and its id is deterministic.
  const resources = withProvenanceLine(
    bundleResourcesForNdjson(deidentified.output),
    deidentified.report,
    referenceDate,
  );
  // Before any claim or post: a share that fails the release gate is never sent (residual-phi).
  deidentified.assertReleasable(lineOutputs(resources));
  const { bundles, entries, skipped } = transactionBundles(resources, delivery.maxEntriesPerTransaction);

  const markerKey = storageKeys.deliveryMarker(consumer, submissionId);
  const now = deps.clock.now().getTime();
  const createdAt = share.marker?.fhir?.createdAt ?? new Date(now).toISOString();
  const claim: DeliveryMarker = {
    state: 'pending',
    owner: share.messageId,
    leaseUntil: now + CLAIM_LEASE_MS,
    fhir: { entries, createdAt },
  };
  await claimDelivery(deps, markerKey, share.marker, claim, now);

  const config: FhirDeliveryConfig = {
    baseUrl: delivery.baseUrl,
    tokenUrl: delivery.tokenUrl,
    clientId: delivery.clientId,
    scope: delivery.scope,
    privateJwk,
    ...(delivery.keyId === undefined ? {} : { keyId: delivery.keyId }),
  };
  try {
    for (const bundle of bundles) await deps.fhir.postTransaction(config, bundle);
  } catch (error) {
    // Give the claim up at once: a retry or a replayed copy may post again (PUTs are idempotent).
    await releaseDelivery(deps, markerKey, claim).catch(() => undefined);
    throw error;
  }
  await recordDelivery(deps.audit, deps.clock, submissionId, {
    consumer,
    delivery: 'fhir',
    entries,
    transactions: bundles.length,
    skipped,
    profile: contract.profile ?? 'safe-harbor',
    contract: contract.version,
  });
  await completeDelivery(deps, msg, markerKey, claim, createdAt);
}
