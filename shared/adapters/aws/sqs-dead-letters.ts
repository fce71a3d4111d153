import {
  DeleteMessageCommand,
  ListQueuesCommand,
  type Message,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { PipelineError } from '../../core/errors.js';
import type { DeadLetter, DeadLetters } from '../../ports/dead-letters.js';
import { failure, isMissingQueue, type SqsConnection } from './sqs-connection.js';
import {
  DLQ_SUFFIX,
  decodeAttributes,
  encodeAttributes,
  isDeadLetterQueue,
  logicalMessageId,
  ORIGIN_ID_ATTRIBUTE,
  receiveCountOf,
  sentAtOf,
} from './sqs-messages.js';
import type { SqsQueue } from './sqs-queue.js';

export interface SqsDeadLettersOptions {
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

/**
 * The dead-letter queues of a SqsQueue, over its connection. Listing and replay use only receive,
 * send, delete and visibility changes, so they work where StartMessageMoveTask does not and can pick
 * single messages.
 */
export class SqsDeadLetters implements DeadLetters {
  private readonly connection: SqsConnection;
  private readonly options: Required<SqsDeadLettersOptions>;

  constructor(queue: SqsQueue, options: SqsDeadLettersOptions = {}) {
    this.connection = queue.connection;
    this.options = {
      peekVisibilitySeconds: options.peekVisibilitySeconds ?? 10,
      peekLimit: options.peekLimit ?? 100,
      deadLetterWaitSeconds: options.deadLetterWaitSeconds ?? 1,
      redriveVisibilitySeconds: options.redriveVisibilitySeconds ?? 30,
      redriveScanLimit: options.redriveScanLimit ?? 100,
    };
  }

  /**
   * Dead letters of `queue` (or of every queue under the prefix). SQS has no peek: each dead letter is
   * received with a short visibility timeout and made visible again at once, so for a moment other
   * readers of the DLQ (a concurrent replay) do not see it. At most `peekLimit` per DLQ. `receiveCount`
   * is SQS's ApproximateReceiveCount less this listing's own receive; earlier listings add to it.
   */
  async list(queue?: string): Promise<DeadLetter[]> {
    const sources = queue === undefined ? await this.sourceQueuesWithDeadLetters() : [queue];
    const lists = await Promise.all(sources.map((source) => this.peek(`${source}${DLQ_SUFFIX}`)));
    return lists.flat();
  }

  private async peek(dlq: string): Promise<DeadLetter[]> {
    let url: string;
    try {
      url = await this.connection.urlOf(dlq);
    } catch (error) {
      if (isMissingQueue(error)) return [];
      throw error;
    }
    const seen = new Map<string, Message>();
    const handles: string[] = [];
    try {
      while (seen.size < this.options.peekLimit) {
        const batch = await this.connection.receiveRaw(
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
      await this.connection.release(url, handles);
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
    const names = new Set(this.connection.configuredQueues());
    let token: string | undefined;
    try {
      do {
        const page = await this.connection.sqs.send(
          new ListQueuesCommand({
            MaxResults: 1000,
            ...(this.connection.prefix === '' ? {} : { QueueNamePrefix: this.connection.prefix }),
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        );
        for (const url of page.QueueUrls ?? []) {
          const physical = url.slice(url.lastIndexOf('/') + 1);
          if (physical.startsWith(this.connection.prefix))
            names.add(physical.slice(this.connection.prefix.length));
        }
        token = page.NextToken;
      } while (token !== undefined);
    } catch (error) {
      throw failure('list-queues', this.connection.prefix, error);
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
  async replay(deadLetterQueue: string, messageId: string): Promise<boolean> {
    if (!isDeadLetterQueue(deadLetterQueue)) {
      throw new PipelineError('config-invalid', `a dead-letter queue name ends in ${DLQ_SUFFIX}`, {
        details: { rule: 'dlq-name' },
      });
    }
    let url: string;
    try {
      url = await this.connection.urlOf(deadLetterQueue);
    } catch (error) {
      if (isMissingQueue(error)) return false;
      throw error;
    }
    const source = deadLetterQueue.slice(0, -DLQ_SUFFIX.length);
    const { target, others } = await this.find(url, deadLetterQueue, messageId);
    await this.connection.release(url, others);
    if (target === undefined) return false;
    const handle = target.ReceiptHandle ?? '';
    try {
      await this.connection.call('redrive', source, (sourceUrl) =>
        this.connection.sqs.send(
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
      await this.connection.release(url, [handle]);
      throw error;
    }
    await this.connection.call('redrive', deadLetterQueue, (dlqUrl) =>
      this.connection.sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: handle })),
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
        const batch = await this.connection.receiveRaw(
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
      await this.connection.release(url, others);
      throw failure('redrive', dlq, error);
    }
  }
}
