import type { ConsumerContract } from '../../core/deid/contract.js';
import { createReleaseGate } from '../../core/deid/gate/gate.js';
import { PipelineError } from '../../core/errors.js';
import { announceDelivery, consumerNotification } from '../announce-delivery.js';
import { compiledContracts } from '../compiled-contracts.js';
import type { DeliveryMarker } from '../delivery-marker.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import type { DeliverMessage } from '../queue-messages.js';
import { loadOrCreateSecret } from '../secrets.js';
import { storageKeys } from '../storage-keys.js';
import { type BulkFile, consumerEncryptionContext, consumerKeyName } from '../submission.js';
import { type BulkCopyTally, indexBulkShare, renderBulkCopy, takenFiles } from './bulk-copy.js';
import { bulkFiles } from './raw-files.js';

/**
 * One consumer's copy of a bulk submission, streamed end to end: the files it takes are read twice
 * (decrypted as they stream), once to index the whole submission's identifiers and resources, once
 * to de-identify and gate line by line; the NDJSON copy is encrypted under the consumer's key as it is
 * produced and written to `consumers/{c}/{id}.ndjson` with putStream (multipart on S3), create-if-absent.
 * Nothing is visible until the whole copy is stored, so a `residual-phi` hit or a file that fails its
 * digest leaves nothing behind; the error dead-letters the share as for any kind.
 *
 * Then the same marker, notification, audit and status steps as deliverToConsumer, with the same
 * idempotency: a claimed marker carries the notification, so a retry after the copy was stored only
 * re-sends it; a retry before that produces the copy again (the same bytes: the engine is
 * deterministic) and finds the object already there.
 */
export async function deliverBulk(
  deps: PipelineDeps,
  msg: DeliverMessage,
  context: {
    readonly contract: ConsumerContract;
    readonly marker: DeliveryMarker | undefined;
    readonly messageId: string;
  },
): Promise<{ outcome: 'delivered'; key: string }> {
  const { consumer, submissionId } = msg;
  const { contract, marker } = context;
  if (contract.delivery?.type === 'fhir') {
    throw new PipelineError(
      'contract-invalid',
      'bulk submissions are delivered as objects, not to a FHIR server',
      {
        details: { consumer },
      },
    );
  }
  const files = takenFiles(contract, bulkFiles(msg));
  const key = storageKeys.consumerCopy(consumer, submissionId, 'ndjson');

  let notification = marker?.notification;
  if (notification === undefined || !(await deps.objects.exists(key))) {
    const produced = await oneAtATime(() => storeBulkCopy(deps, msg, contract, files, key));
    notification ??= consumerNotification(deps, msg, contract, {
      key,
      contentType: 'application/fhir+ndjson',
      sha256: produced.sha256,
      bytes: produced.bytes,
      resourceCounts: produced.resourceCounts,
    });
  }
  await announceDelivery(deps, msg, {
    marker,
    notification,
    messageId: context.messageId,
    contractVersion: contract.version,
  });
  return { outcome: 'delivered', key };
}

/** Both passes and the streamed, encrypted, create-if-absent write of one consumer's copy. */
async function storeBulkCopy(
  deps: PipelineDeps,
  msg: DeliverMessage,
  contract: ConsumerContract,
  files: readonly BulkFile[],
  key: string,
): Promise<BulkCopyTally> {
  const { consumer, submissionId } = msg;
  const keyName = consumerKeyName(consumer);
  const keyId = `deid-${consumer}`;
  const secret = await loadOrCreateSecret(deps, keyName, keyId);
  // The engine of this contract version, key and day, built once per process (compiled-contracts.ts).
  const engine = compiledContracts.engineFor({
    contract,
    secret,
    keyId,
    referenceDate: msg.receivedAt.slice(0, 10),
  });
  const gate = createReleaseGate(engine.contract);
  const index = await indexBulkShare(deps, msg, files, gate);
  const tally: BulkCopyTally = { sha256: '', bytes: 0, lines: 0, resourceCounts: {} };
  const plaintext = renderBulkCopy(deps, msg, files, engine, gate, index, tally);
  await deps.objects.putStream(
    key,
    deps.envelope.encryptStream(keyName, plaintext, consumerEncryptionContext(consumer, submissionId)),
    { ifAbsent: true, contentType: 'application/octet-stream' },
  );
  return tally;
}

/**
 * One bulk copy at a time in a process. The work is CPU-bound on one event loop, so running several
 * consumers' copies at once gains no speed and multiplies the memory each holds (its identifier
 * index); on Lambda a container runs one message anyway. Others wait their turn here.
 */
let turn: Promise<void> = Promise.resolve();
async function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const previous = turn;
  let release = (): void => {};
  turn = new Promise<void>((resolve) => {
    release = resolve;
  });
  await previous;
  try {
    return await work();
  } finally {
    release();
  }
}
