import { type ConsumeRefusalCode, PipelineError } from '../core/errors.js';
import { FILE_SAFE_ID } from '../core/ids.js';
import type { QueueMessage } from '../ports/index.js';
import { recordAudit } from './audit-events.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { type ConsumerNotification, ConsumerNotificationSchema } from './queue-messages.js';
import { queueNames } from './queue-names.js';
import { parseConsumerCopyKey } from './storage-keys.js';
import { consumerEncryptionContext, consumerKeyName } from './submission.js';

/** Where decrypted copies land: a local directory for `phi consume`. */
export interface PlaintextOutput {
  /** The existing file called `name` and its SHA-256 (hex), or undefined when there is none. */
  existing(name: string): Promise<{ sha256: string; path: string } | undefined>;
  /** Creates `name` durably unless it exists (then `created` is false); `path` says where it is. */
  createDurably(name: string, bytes: Uint8Array): Promise<{ created: boolean; path: string }>;
  /**
   * `createDurably` for content of any size, written as it arrives and never held: into a temp file,
   * synced, then `accept` (given its SHA-256 and size) decides; if it throws, the temp file is removed
   * and that error rejects. Only then is the file put in place, unless `name` exists.
   */
  createStreamed(
    name: string,
    chunks: AsyncIterable<Uint8Array>,
    accept: (written: { sha256: string; bytes: number }) => Promise<void>,
  ): Promise<{ created: boolean; path: string }>;
}

/** Why a notification was not taken; it stays on the queue and reaches its DLQ after maxReceiveCount. */
export type { ConsumeRefusalCode };

export type ConsumeOutcome =
  | {
      readonly status: 'written';
      readonly messageId: string;
      readonly submissionId: string;
      readonly path: string;
    }
  | {
      readonly status: 'duplicate';
      readonly messageId: string;
      readonly submissionId: string;
      readonly path: string;
    }
  | {
      readonly status: 'refused';
      readonly messageId: string;
      readonly code: ConsumeRefusalCode;
      readonly submissionId?: string;
    };

export type ConsumeDeps = Pick<PipelineDeps, 'objects' | 'queue' | 'envelope' | 'audit' | 'clock'>;

/** A notification refused with one of the refusal codes; the message is the code, nothing else. */
class Refusal extends PipelineError {
  override readonly name = 'Refusal';
  declare readonly code: ConsumeRefusalCode;
  constructor(code: ConsumeRefusalCode) {
    super(code, code);
  }
}

function parseNotification(body: string): ConsumerNotification {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Refusal('notification-invalid');
  }
  const parsed = ConsumerNotificationSchema.safeParse(json);
  if (!parsed.success) throw new Refusal('notification-invalid');
  return parsed.data;
}

/** The file name the copy gets in DIR, once the notification is proven to be this consumer's own. */
function fileNameOf(deps: ConsumeDeps, consumer: string, note: ConsumerNotification): string {
  if (note.consumer !== consumer) throw new Refusal('consumer-mismatch');
  if (!FILE_SAFE_ID.test(note.submissionId)) throw new Refusal('notification-invalid');
  const copy = parseConsumerCopyKey(note.key);
  if (!copy || copy.consumer !== consumer || copy.submissionId !== note.submissionId)
    throw new Refusal('key-outside-consumer');
  if (note.bucket !== deps.objects.bucket) throw new Refusal('bucket-mismatch');
  return `${note.submissionId}.${copy.ext}`;
}

/**
 * The copy's plaintext as it is decrypted, with only this consumer's key and this submission's
 * context (another consumer's copy cannot open). A refusal of the envelope, or more bytes than the
 * notification announced, stops it with the refusal's code.
 */
async function* decryptedCopy(
  deps: ConsumeDeps,
  consumer: string,
  note: ConsumerNotification,
  ciphertext: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  try {
    for await (const chunk of deps.envelope.decryptStream(
      consumerKeyName(consumer),
      ciphertext,
      consumerEncryptionContext(consumer, note.submissionId),
    )) {
      bytes += chunk.byteLength;
      if (bytes > note.bytes) throw new Refusal('size-mismatch');
      yield chunk;
    }
  } catch (error) {
    if (error instanceof Refusal) throw error;
    throw new Refusal(
      error instanceof PipelineError && error.code === 'crypto-context-mismatch'
        ? 'crypto-context-mismatch'
        : 'crypto-failed',
    );
  }
}

/**
 * One notification: check that it is this consumer's, fetch and decrypt the object with the
 * consumer's own key and context, check size and SHA-256, write the plaintext durably, and only then
 * delete the notification. A refused notification is left on the queue for its DLQ.
 */
export async function consumeNotification(
  deps: ConsumeDeps,
  consumer: string,
  output: PlaintextOutput,
  message: QueueMessage,
): Promise<ConsumeOutcome> {
  const queue = queueNames.notify(consumer);
  const { messageId } = message;
  let submissionId: string | undefined;
  const audit = (outcome: 'success' | 'failure', code?: ConsumeRefusalCode) =>
    recordAudit(deps.audit, deps.clock, {
      actor: { type: 'consumer', id: consumer },
      action: 'consumer.decrypt',
      outcome,
      ...(code === undefined ? {} : { code }),
      ...(submissionId === undefined ? {} : { submissionId }),
      details: { queue, messageId },
    });

  let decrypted = false;
  try {
    const note = parseNotification(message.body);
    const name = fileNameOf(deps, consumer, note);
    submissionId = note.submissionId;

    const existing = await output.existing(name);
    if (existing !== undefined) {
      // The same notification again (at-least-once delivery, or a replay): the file is already there.
      if (existing.sha256 !== note.sha256) throw new Refusal('file-conflict');
      await deps.queue.delete(queue, message.receiptHandle);
      return { status: 'duplicate', messageId, submissionId, path: existing.path };
    }

    const ciphertext = await deps.objects.getStream(note.key);
    if (!ciphertext) throw new Refusal('object-missing');
    let written: { created: boolean; path: string };
    try {
      // Streamed to a temp file and checked there: a copy of any size is never held in memory.
      written = await output.createStreamed(
        name,
        decryptedCopy(deps, consumer, note, ciphertext),
        async ({ sha256, bytes }) => {
          if (bytes !== note.bytes) throw new Refusal('size-mismatch');
          if (sha256 !== note.sha256) throw new Refusal('sha256-mismatch');
          decrypted = true;
          await audit('success');
        },
      );
    } catch (error) {
      if (error instanceof Refusal) throw error;
      throw new Refusal('write-failed');
    }
    if (!written.created && (await output.existing(name))?.sha256 !== note.sha256)
      throw new Refusal('file-conflict');
    await deps.queue.delete(queue, message.receiptHandle);
    return { status: written.created ? 'written' : 'duplicate', messageId, submissionId, path: written.path };
  } catch (error) {
    const code = error instanceof Refusal ? error.code : 'internal';
    // A decrypt that succeeded is already on record; a later local failure is reported, not re-audited.
    if (!decrypted) await audit('failure', code);
    return submissionId === undefined
      ? { status: 'refused', messageId, code }
      : { status: 'refused', messageId, code, submissionId };
  }
}

export interface ConsumeOptions {
  readonly consumer: string;
  readonly output: PlaintextOutput;
  /** Drain what is available now and return; otherwise long-poll until `signal` aborts. */
  readonly once: boolean;
  readonly signal?: AbortSignal;
  /** Long-poll wait per receive; bounds how long a stop request waits. Default 5. */
  readonly waitTimeSeconds?: number;
  readonly onOutcome?: (outcome: ConsumeOutcome) => void;
}

export interface ConsumeSummary {
  readonly written: number;
  readonly duplicates: number;
  readonly refused: number;
}

/** Takes notifications from `notify-<consumer>` one batch at a time, handling each message in order. */
export async function consumeNotifications(
  deps: ConsumeDeps,
  options: ConsumeOptions,
): Promise<ConsumeSummary> {
  const queue = queueNames.notify(options.consumer);
  const tally = { written: 0, duplicates: 0, refused: 0 };
  while (!options.signal?.aborted) {
    const batch = await deps.queue.receive(queue, {
      maxMessages: 10,
      waitTimeSeconds: options.once ? 0 : (options.waitTimeSeconds ?? 5),
    });
    if (batch.length === 0 && options.once) break;
    for (const message of batch) {
      const outcome = await consumeNotification(deps, options.consumer, options.output, message);
      if (outcome.status === 'written') tally.written += 1;
      else if (outcome.status === 'duplicate') tally.duplicates += 1;
      else tally.refused += 1;
      options.onOutcome?.(outcome);
    }
  }
  return tally;
}
