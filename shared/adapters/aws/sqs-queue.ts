import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { PipelineError } from '../../core/errors.js';
import type { Queue, QueueMessage, ReceiveOptions, SendOptions } from '../../ports/queue.js';
import { chunks, isStaleHandle, SqsConnection, type SqsConnectionOptions } from './sqs-connection.js';
import {
  assertBody,
  assertIntegerIn,
  decodeAttributes,
  encodeAttributes,
  logicalMessageId,
  receiveCountOf,
  sentAtOf,
} from './sqs-messages.js';

export type SqsQueueOptions = SqsConnectionOptions;

export interface BatchEntry {
  readonly body: string;
  readonly options?: SendOptions;
}

/**
 * Queue on Amazon SQS. The dead-letter queue of `q` is `q-dlq`, wired by the queue's RedrivePolicy
 * (maxReceiveCount); SQS moves exhausted messages there on receive, and SqsDeadLetters lists and
 * replays them over this queue's connection.
 */
export class SqsQueue implements Queue {
  /** The client and queue URLs this queue and its SqsDeadLetters share. */
  readonly connection: SqsConnection;

  constructor(sqs: SQSClient, settings: SqsQueueOptions = {}) {
    this.connection = new SqsConnection(sqs, settings);
  }

  /** The URL of a queue by the port's name; looked up once per name and process. */
  urlOf(queue: string): Promise<string> {
    return this.connection.urlOf(queue);
  }

  async send(queue: string, body: string, options: SendOptions = {}): Promise<{ messageId: string }> {
    assertBody(body);
    const delaySeconds = options.delaySeconds ?? 0;
    assertIntegerIn(delaySeconds, 0, 900, 'delaySeconds');
    const attributes = encodeAttributes(options.attributes ?? {});
    const { MessageId } = await this.connection.call('send', queue, (url) =>
      this.connection.sqs.send(
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
      const result = await this.connection.call('send', queue, (url) =>
        this.connection.sqs.send(
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

  async receive(queue: string, options: ReceiveOptions = {}): Promise<QueueMessage[]> {
    const maxMessages = options.maxMessages ?? 1;
    assertIntegerIn(maxMessages, 1, 10, 'maxMessages');
    const { visibilityTimeoutSeconds } = options;
    if (visibilityTimeoutSeconds !== undefined) {
      assertIntegerIn(visibilityTimeoutSeconds, 0, 43_200, 'visibilityTimeoutSeconds');
    }
    const waitTimeSeconds = options.waitTimeSeconds ?? 0;
    assertIntegerIn(waitTimeSeconds, 0, 20, 'waitTimeSeconds');
    const messages = await this.connection.call('receive', queue, (url) =>
      this.connection.receiveRaw(url, maxMessages, visibilityTimeoutSeconds, waitTimeSeconds),
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
      await this.connection.call('delete', queue, (url) =>
        this.connection.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: receiptHandle })),
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
      await this.connection.call('change-visibility', queue, (url) =>
        this.connection.sqs.send(
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
}
