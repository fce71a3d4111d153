import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { PipelineError } from '../../core/errors.js';
import type { DeadLetter, Queue, QueueMessage, ReceiveOptions, SendOptions } from '../../ports/queue.js';
import { awsErrorName, awsFailureDetails } from './aws-errors.js';
import {
  assertBody,
  assertIntegerIn,
  assertQueueName,
  DLQ_SUFFIX,
  decodeAttributes,
  encodeAttributes,
  isDeadLetterQueue,
  logicalMessageId,
  ORIGIN_ID_ATTRIBUTE,
  receiveCountOf,
  sentAtOf,
} from './sqs-messages.js';

export interface SqsQueueOptions {
  /** Physical SQS name = prefix + the port's queue name (e.g. `phi-prod-` + `ingest`). */
  readonly queuePrefix?: string;
  /** Queue URLs by the port's queue name; names not listed are looked up with GetQueueUrl. */
  readonly queueUrls?: Readonly<Record<string, string>>;
  /** Replaces GetQueueUrl for names not in `queueUrls` (tests provision queues on demand with it). */
  readonly resolveQueueUrl?: (physicalName: string) => Promise<string>;
  /** How long listing dead letters hides each one before handing it back. Default 10 s. */
  readonly peekVisibilitySeconds?: number;
  /** Dead letters listed per dead-letter queue at most. Default 100. */
  readonly peekLimit?: number;
  /** Long-poll wait of dead-letter scans (a short poll may miss messages on SQS). Default 1 s. */
  readonly deadLetterWaitSeconds?: number;
  /** How long a replay holds the message it found while re-sending it. Default 30 s. */
  readonly redriveVisibilitySeconds?: number;
  /** Dead letters a replay looks through for the one it wants. Default 100. */
  readonly redriveScanLimit?: number;
}

export interface BatchEntry {
  readonly body: string;
  readonly options?: SendOptions;
}

const SYSTEM_ATTRIBUTES = ['ApproximateReceiveCount', 'SentTimestamp'] as const;
const STALE_HANDLE_ERRORS = new Set([
  'ReceiptHandleIsInvalid',
  'InvalidReceiptHandle',
  'MessageNotInflight',
  'AWS.SimpleQueueService.MessageNotInflight',
]);
const MISSING_QUEUE_ERRORS = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']);

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

function failure(operation: string, queue: string, error: unknown): PipelineError {
  if (error instanceof PipelineError) return error;
  if (MISSING_QUEUE_ERRORS.has(awsErrorName(error))) {
    return new PipelineError('config-invalid', 'queue does not exist', {
      details: { operation, queue, reason: 'queue-missing' },
      cause: error,
    });
  }
  return new PipelineError('queue-unavailable', `queue ${operation} failed`, {
    retryable: true,
    details: { operation, queue, ...awsFailureDetails(error) },
    cause: error,
  });
}

const isMissingQueue = (error: unknown): boolean =>
  error instanceof PipelineError && error.details?.reason === 'queue-missing';

/** A receipt handle SQS no longer knows (deleted, or never valid). */
const isStaleHandle = (error: unknown): boolean =>
  error instanceof PipelineError && STALE_HANDLE_ERRORS.has(awsErrorName(error.cause));

/**
 * Queue on Amazon SQS. The dead-letter queue of `q` is `q-dlq`, wired by the queue's RedrivePolicy
 * (maxReceiveCount); SQS moves exhausted messages there on receive. Dead-letter listing and replay use
 * only receive, send, delete and visibility changes, so they work where StartMessageMoveTask does not
 * and can pick single messages.
 */
export class SqsQueue implements Queue {
  private readonly prefix: string;
  private readonly urls = new Map<string, Promise<string>>();
  private readonly options: Required<
    Pick<
      SqsQueueOptions,
      | 'peekVisibilitySeconds'
      | 'peekLimit'
      | 'deadLetterWaitSeconds'
      | 'redriveVisibilitySeconds'
      | 'redriveScanLimit'
    >
  >;

  constructor(
    private readonly sqs: SQSClient,
    private readonly settings: SqsQueueOptions = {},
  ) {
    this.prefix = settings.queuePrefix ?? '';
    if (!/^[A-Za-z0-9_-]{0,40}$/.test(this.prefix)) {
      throw new PipelineError('config-invalid', 'queue prefix must be 0-40 of [A-Za-z0-9_-]', {
        details: { rule: 'prefix' },
      });
    }
    this.options = {
      peekVisibilitySeconds: settings.peekVisibilitySeconds ?? 10,
      peekLimit: settings.peekLimit ?? 100,
      deadLetterWaitSeconds: settings.deadLetterWaitSeconds ?? 1,
      redriveVisibilitySeconds: settings.redriveVisibilitySeconds ?? 30,
      redriveScanLimit: settings.redriveScanLimit ?? 100,
    };
  }

  /** The URL of a queue by the port's name; looked up once per name and process. */
  urlOf(queue: string): Promise<string> {
    assertQueueName(queue, this.prefix.length);
    const configured = this.settings.queueUrls?.[queue];
    if (configured !== undefined) return Promise.resolve(configured);
    let url = this.urls.get(queue);
    if (url === undefined) {
      url = this.lookUp(queue);
      this.urls.set(queue, url);
      url.catch(() => this.urls.delete(queue));
    }
    return url;
  }

  private async lookUp(queue: string): Promise<string> {
    const physical = `${this.prefix}${queue}`;
    try {
      if (this.settings.resolveQueueUrl !== undefined) return await this.settings.resolveQueueUrl(physical);
      const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: physical }));
      if (QueueUrl === undefined) throw new Error('GetQueueUrl answered without a URL');
      return QueueUrl;
    } catch (error) {
      throw failure('resolve', queue, error);
    }
  }

  private async call<T>(operation: string, queue: string, run: (url: string) => Promise<T>): Promise<T> {
    const url = await this.urlOf(queue);
    try {
      return await run(url);
    } catch (error) {
      throw failure(operation, queue, error);
    }
  }

  async send(queue: string, body: string, options: SendOptions = {}): Promise<{ messageId: string }> {
    assertBody(body);
    const delaySeconds = options.delaySeconds ?? 0;
    assertIntegerIn(delaySeconds, 0, 900, 'delaySeconds');
    const attributes = encodeAttributes(options.attributes ?? {});
    const { MessageId } = await this.call('send', queue, (url) =>
      this.sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: body,
          ...(delaySeconds > 0 ? { DelaySeconds: delaySeconds } : {}),
          ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
          // FIFO queues dedupe for five minutes; standard queues cannot, and receivers dedupe instead.
          ...(options.deduplicationId !== undefined && queue.endsWith('.fifo')
            ? { MessageDeduplicationId: options.deduplicationId, MessageGroupId: options.deduplicationId }
            : {}),
        }),
      ),
    );
    return { messageId: MessageId ?? '' };
  }

  /**
   * Sends up to any number of messages, ten per SendMessageBatch call; ids come back in entry order.
   * Entries SQS refuses fail the whole call (after the accepted ones were sent), as a retryable error.
   */
  async sendBatch(queue: string, entries: readonly BatchEntry[]): Promise<{ messageIds: string[] }> {
    const prepared = entries.map(({ body, options = {} }) => {
      assertBody(body);
      const delaySeconds = options.delaySeconds ?? 0;
      assertIntegerIn(delaySeconds, 0, 900, 'delaySeconds');
      const attributes = encodeAttributes(options.attributes ?? {});
      return {
        MessageBody: body,
        ...(delaySeconds > 0 ? { DelaySeconds: delaySeconds } : {}),
        ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
      };
    });
    const messageIds: string[] = [];
    for (const [chunkIndex, chunk] of chunks(prepared, 10).entries()) {
      const result = await this.call('send', queue, (url) =>
        this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: chunk.map((entry, i) => ({ Id: `m${i}`, ...entry })),
          }),
        ),
      );
      const failed = result.Failed ?? [];
      if (failed.length > 0) {
        throw new PipelineError('queue-unavailable', 'queue batch send was partly refused', {
          retryable: true,
          details: { operation: 'send', queue, failed: failed.length, sent: messageIds.length },
        });
      }
      const byId = new Map((result.Successful ?? []).map((entry) => [entry.Id, entry.MessageId ?? '']));
      chunk.forEach((_, i) => {
        messageIds[chunkIndex * 10 + i] = byId.get(`m${i}`) ?? '';
      });
    }
    return { messageIds };
  }

  private receiveRaw(
    url: string,
    maxMessages: number,
    visibilityTimeoutSeconds: number | undefined,
    waitTimeSeconds: number,
  ): Promise<Message[]> {
    return this.sqs
      .send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: maxMessages,
          WaitTimeSeconds: waitTimeSeconds,
          ...(visibilityTimeoutSeconds === undefined ? {} : { VisibilityTimeout: visibilityTimeoutSeconds }),
          MessageSystemAttributeNames: [...SYSTEM_ATTRIBUTES],
          MessageAttributeNames: ['All'],
        }),
      )
      .then((response) => response.Messages ?? []);
  }

  async receive(queue: string, options: ReceiveOptions = {}): Promise<QueueMessage[]> {
    const maxMessages = options.maxMessages ?? 1;
    assertIntegerIn(maxMessages, 1, 10, 'maxMessages');
    const { visibilityTimeoutSeconds } = options;
    if (visibilityTimeoutSeconds !== undefined) {
      assertIntegerIn(visibilityTimeoutSeconds, 0, 43_200, 'visibilityTimeoutSeconds');
    }
    const waitTimeSeconds = options.waitTimeSeconds ?? 0;
    assertIntegerIn(waitTimeSeconds, 0, 20, 'waitTimeSeconds');
    const messages = await this.call('receive', queue, (url) =>
      this.receiveRaw(url, maxMessages, visibilityTimeoutSeconds, waitTimeSeconds),
    );
    return messages.map((message) => ({
      messageId: logicalMessageId(message),
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      receiveCount: receiveCountOf(message),
      sentAt: sentAtOf(message),
      attributes: decodeAttributes(message),
    }));
  }

  /** A handle SQS no longer knows (deleted, or never valid) is a no-op, as on the embedded queue. */
  async delete(queue: string, receiptHandle: string): Promise<void> {
    if (receiptHandle === '') return;
    try {
      await this.call('delete', queue, (url) =>
        this.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: receiptHandle })),
      );
    } catch (error) {
      if (!isStaleHandle(error)) throw error;
    }
  }

  async changeVisibility(
    queue: string,
    receiptHandle: string,
    visibilityTimeoutSeconds: number,
  ): Promise<void> {
    assertIntegerIn(visibilityTimeoutSeconds, 0, 43_200, 'visibilityTimeoutSeconds');
    if (receiptHandle === '') return;
    try {
      await this.call('change-visibility', queue, (url) =>
        this.sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: url,
            ReceiptHandle: receiptHandle,
            VisibilityTimeout: visibilityTimeoutSeconds,
          }),
        ),
      );
    } catch (error) {
      if (!isStaleHandle(error)) throw error;
    }
  }

  /** Makes messages this adapter hid visible again; best effort (they reappear on their own anyway). */
  private async release(url: string, handles: readonly string[]): Promise<void> {
    for (const chunk of chunks(handles, 10)) {
      await this.sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: url,
            Entries: chunk.map((handle, i) => ({ Id: `m${i}`, ReceiptHandle: handle, VisibilityTimeout: 0 })),
          }),
        )
        .catch(() => undefined);
    }
  }

  /**
   * Dead letters of `queue` (or of every queue under the prefix). SQS has no peek: each dead letter is
   * received with a short visibility timeout and made visible again at once, so for a moment other
   * readers of the DLQ (a concurrent replay) do not see it. At most `peekLimit` per DLQ. `receiveCount`
   * is SQS's ApproximateReceiveCount less this listing's own receive; earlier listings add to it.
   */
  async listDeadLetters(queue?: string): Promise<DeadLetter[]> {
    const sources = queue === undefined ? await this.sourceQueuesWithDeadLetters() : [queue];
    const lists = await Promise.all(sources.map((source) => this.peek(`${source}${DLQ_SUFFIX}`)));
    return lists.flat();
  }

  private async peek(dlq: string): Promise<DeadLetter[]> {
    let url: string;
    try {
      url = await this.urlOf(dlq);
    } catch (error) {
      if (isMissingQueue(error)) return [];
      throw error;
    }
    const seen = new Map<string, Message>();
    const handles: string[] = [];
    try {
      while (seen.size < this.options.peekLimit) {
        const batch = await this.receiveRaw(
          url,
          Math.min(10, this.options.peekLimit - seen.size),
          this.options.peekVisibilitySeconds,
          this.options.deadLetterWaitSeconds,
        );
        if (batch.length === 0) break;
        for (const message of batch) {
          if (message.ReceiptHandle !== undefined) handles.push(message.ReceiptHandle);
          if (message.MessageId !== undefined) seen.set(message.MessageId, message);
        }
      }
    } catch (error) {
      throw failure('list-dead-letters', dlq, error);
    } finally {
      await this.release(url, handles);
    }
    return [...seen.values()]
      .map((message) => ({
        messageId: logicalMessageId(message),
        queue: dlq,
        sourceQueue: dlq.slice(0, -DLQ_SUFFIX.length),
        body: message.Body ?? '',
        receiveCount: Math.max(0, receiveCountOf(message) - 1),
        sentAt: sentAtOf(message),
        attributes: decodeAttributes(message),
      }))
      .sort((a, b) => a.sentAt - b.sentAt);
  }

  /** Port names of the source queues whose `-dlq` exists under this prefix (or in the URL map). */
  private async sourceQueuesWithDeadLetters(): Promise<string[]> {
    const names = new Set(Object.keys(this.settings.queueUrls ?? {}));
    let token: string | undefined;
    try {
      do {
        const page = await this.sqs.send(
          new ListQueuesCommand({
            MaxResults: 1000,
            ...(this.prefix === '' ? {} : { QueueNamePrefix: this.prefix }),
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        );
        for (const url of page.QueueUrls ?? []) {
          const physical = url.slice(url.lastIndexOf('/') + 1);
          if (physical.startsWith(this.prefix)) names.add(physical.slice(this.prefix.length));
        }
        token = page.NextToken;
      } while (token !== undefined);
    } catch (error) {
      throw failure('list-queues', this.prefix, error);
    }
    return [...names]
      .filter(isDeadLetterQueue)
      .map((dlq) => dlq.slice(0, -DLQ_SUFFIX.length))
      .sort();
  }

  /**
   * Moves one dead letter back to its source queue: find it by receiving (it is then invisible to any
   * other replay, which therefore answers false), send body and attributes to the source keeping its
   * message id, and only then delete it from the DLQ. A crash between send and delete leaves a copy in
   * the DLQ that a later replay would send again; consumers are idempotent by message id.
   */
  async redrive(deadLetterQueue: string, messageId: string): Promise<boolean> {
    if (!isDeadLetterQueue(deadLetterQueue)) {
      throw new PipelineError('config-invalid', `a dead-letter queue name ends in ${DLQ_SUFFIX}`, {
        details: { rule: 'dlq-name' },
      });
    }
    let url: string;
    try {
      url = await this.urlOf(deadLetterQueue);
    } catch (error) {
      if (isMissingQueue(error)) return false;
      throw error;
    }
    const source = deadLetterQueue.slice(0, -DLQ_SUFFIX.length);
    const { target, others } = await this.find(url, deadLetterQueue, messageId);
    await this.release(url, others);
    if (target === undefined) return false;
    const handle = target.ReceiptHandle ?? '';
    try {
      await this.call('redrive', source, (sourceUrl) =>
        this.sqs.send(
          new SendMessageCommand({
            QueueUrl: sourceUrl,
            MessageBody: target.Body ?? '',
            MessageAttributes: {
              ...encodeAttributes(decodeAttributes(target)),
              [ORIGIN_ID_ATTRIBUTE]: { DataType: 'String', StringValue: messageId },
            },
          }),
        ),
      );
    } catch (error) {
      await this.release(url, [handle]);
      throw error;
    }
    await this.call('redrive', deadLetterQueue, (dlqUrl) =>
      this.sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: handle })),
    );
    return true;
  }

  private async find(
    url: string,
    dlq: string,
    messageId: string,
  ): Promise<{ target: Message | undefined; others: string[] }> {
    const others: string[] = [];
    let scanned = 0;
    try {
      while (scanned < this.options.redriveScanLimit) {
        const batch = await this.receiveRaw(
          url,
          10,
          this.options.redriveVisibilitySeconds,
          this.options.deadLetterWaitSeconds,
        );
        if (batch.length === 0) return { target: undefined, others };
        scanned += batch.length;
        let target: Message | undefined;
        for (const message of batch) {
          if (target === undefined && logicalMessageId(message) === messageId) target = message;
          else if (message.ReceiptHandle !== undefined) others.push(message.ReceiptHandle);
        }
        if (target !== undefined) return { target, others };
      }
      return { target: undefined, others };
    } catch (error) {
      await this.release(url, others);
      throw failure('redrive', dlq, error);
    }
  }
}
