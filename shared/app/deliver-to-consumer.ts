import { createHash } from 'node:crypto';
import type { ConsumerContract } from '../core/deid/contract.js';
import { lineOutputs } from '../core/deid/gate/gate.js';
import { bundleResourcesForNdjson } from '../core/deid/ndjson.js';
import { countsWithProvenance, withProvenanceEntry, withProvenanceLine } from '../core/deid/provenance.js';
import { announceDelivery, consumerNotification } from './announce-delivery.js';
import { deliverBulk } from './bulk/deliver-bulk.js';
import { claimsAsBundle, renderX12Copy } from './claim-copy.js';
import { compiledContracts } from './compiled-contracts.js';
import { deliverToFhir } from './deliver-to-fhir.js';
import { deliveredAt, markDelivered, readDeliveryMarker } from './delivery-marker.js';
import { contractTakes, loadContract } from './load-contract.js';
import type { PipelineDeps } from './pipeline-deps.js';
import type { DeliverMessage } from './queue-messages.js';
import { decryptRaw } from './raw-submission.js';
import { deidentifyShare } from './release-copy.js';
import { loadOrCreateSecret } from './secrets.js';
import { storageKeys } from './storage-keys.js';
import { consumerEncryptionContext, consumerKeyName } from './submission.js';

export interface DeliveryAttempt {
  /** Id of the queue message carrying this work; stable across its retries. */
  readonly messageId: string;
}

export interface ConsumerCopy {
  readonly bytes: Uint8Array;
  readonly contentType: string;
  readonly ext: 'ndjson' | 'json' | 'x12';
  readonly resourceCounts: Record<string, number>;
}

/**
 * Applies the contract: default deny, the Safe Harbor backstop, and the contract's output format;
 * then the release gate over exactly what would be released. A copy that fails the gate is never
 * returned: `residual-phi` (not retryable), naming the path and kind.
 */
export function renderConsumerCopy(
  contract: ConsumerContract,
  plaintext: Uint8Array,
  secret: Uint8Array,
  keyId: string,
  referenceDate: string,
): ConsumerCopy {
  // Built once per contract version, key and day (compiled-contracts.ts), not per message.
  const engine = compiledContracts.engineFor({ contract, secret, keyId, referenceDate });
  const share = deidentifyShare(engine, plaintext);
  const { output, report } = share;
  // Say what was done: one more line (one more entry), a Provenance with counts and no values. The
  // pipeline adds it after de-identification, outside the contract's resource list, and the gate
  // checks it with the rest. The notification counts what the copy holds, the Provenance included.
  if (contract.output?.format === 'ndjson') {
    // Lines stand alone, so urn:uuid references between entries become Type/id references.
    const deidentified = bundleResourcesForNdjson(output);
    const resources = withProvenanceLine(deidentified, report, referenceDate);
    share.assertReleasable(lineOutputs(resources));
    const lines = resources.map((r) => JSON.stringify(r));
    return {
      bytes: new TextEncoder().encode(lines.length > 0 ? `${lines.join('\n')}\n` : ''),
      contentType: 'application/fhir+ndjson',
      ext: 'ndjson',
      resourceCounts: countsWithProvenance(report.resourceCounts, resources.length > deidentified.length),
    };
  }
  const released = withProvenanceEntry(output, report, referenceDate);
  share.assertReleasable([['Bundle', released]]);
  return {
    bytes: new TextEncoder().encode(JSON.stringify(released)),
    contentType: 'application/fhir+json',
    ext: 'json',
    resourceCounts: countsWithProvenance(report.resourceCounts, released !== output),
  };
}

/**
 * One consumer's copy of one submission: decrypt the original, apply the contract, then deliver it
 * the way the contract says. By default: encrypt under the consumer's key with its own context, write
 * it create-if-absent, notify once, record the status. With `delivery: fhir`: post the de-identified
 * resources to the consumer's FHIR server as transaction Bundles (see deliver-to-fhir.ts).
 *
 * Idempotent per (submission, consumer). A `deliveries/{c}/{id}.json` marker is claimed create-if-absent
 * by the message doing the work, with a lease; another copy of the work backs off while the lease
 * lives and then finds the marker `sent`. The notification is sent with the dedupe key
 * `{consumer}:{submissionId}`, so a retry after a failure between sending and marking `sent` is
 * dropped by the queue (the embedded queue dedupes for good; SQS standard queues cannot, and
 * consumers dedupe on submissionId). The audit record is written before `sent`, so a failure can
 * repeat it but never lose it.
 */
export async function deliverToConsumer(
  deps: PipelineDeps,
  msg: DeliverMessage,
  attempt: DeliveryAttempt,
): Promise<{ outcome: 'delivered' | 'duplicate' | 'not-subscribed'; key?: string }> {
  const { consumer, submissionId } = msg;
  const marker = await readDeliveryMarker(deps.objects, consumer, submissionId);
  if (marker?.state === 'sent') {
    await markDelivered(deps, msg, deliveredAt(marker) ?? deps.clock.now().toISOString());
    return {
      outcome: 'duplicate',
      ...(marker.notification ? { key: marker.notification.key } : {}),
    };
  }

  const { contract } = await loadContract(deps.contracts, consumer);
  if (!contractTakes(contract, msg.kind, msg.files)) return { outcome: 'not-subscribed' };
  if (msg.kind === 'bulk') return deliverBulk(deps, msg, { contract, marker, messageId: attempt.messageId });
  const raw = await decryptRaw(deps, msg);
  // Claims go out as the 837 itself or as FHIR: mapped first, then treated exactly as a Bundle is.
  const asX12 = msg.kind === 'claim' && contract.claims?.output === 'x12';
  const plaintext = msg.kind === 'claim' && !asX12 ? claimsAsBundle(raw, msg) : raw;
  const keyName = consumerKeyName(consumer);
  const keyId = `deid-${consumer}`;
  const secret = await loadOrCreateSecret(deps, keyName, keyId);
  if (contract.delivery?.type === 'fhir') {
    await deliverToFhir(deps, msg, {
      contract,
      delivery: contract.delivery,
      plaintext,
      secret,
      keyId,
      marker,
      messageId: attempt.messageId,
    });
    return { outcome: 'delivered' };
  }
  const referenceDate = msg.receivedAt.slice(0, 10);
  const copy: ConsumerCopy = asX12
    ? renderX12Copy(contract, plaintext, secret, keyId, referenceDate)
    : renderConsumerCopy(contract, plaintext, secret, keyId, referenceDate);
  const key = storageKeys.consumerCopy(consumer, submissionId, copy.ext);
  if (!(await deps.objects.exists(key))) {
    const ciphertext = await deps.envelope.encrypt(
      keyName,
      copy.bytes,
      consumerEncryptionContext(consumer, submissionId),
    );
    await deps.objects.put(key, ciphertext, { ifAbsent: true, contentType: 'application/octet-stream' });
  }

  const notification =
    marker?.notification ??
    consumerNotification(deps, msg, contract, {
      key,
      contentType: copy.contentType,
      sha256: createHash('sha256').update(copy.bytes).digest('hex'),
      bytes: copy.bytes.byteLength,
      resourceCounts: copy.resourceCounts,
    });
  await announceDelivery(deps, msg, {
    marker,
    notification,
    messageId: attempt.messageId,
    contractVersion: contract.version,
  });
  return { outcome: 'delivered', key };
}
