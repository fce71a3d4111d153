/**
 * At-least-once message queues with SQS semantics: visibility timeouts, receive counts,
 * a dead-letter queue per source queue after maxReceiveCount (read and replayed through the
 * DeadLetters port). Message bodies carry ids, digests and pointers only, never PHI.
 */
export interface QueueMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly receiveCount: number;
  /** Epoch ms of the first send (SQS SentTimestamp). */
  readonly sentAt: number;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface SendOptions {
  readonly delaySeconds?: number;
  /** PHI-free string attributes (SQS message attributes). */
  readonly attributes?: Readonly<Record<string, string>>;
  /**
   * A second send with the same id on the same queue is dropped and answers the first message's id.
   * The embedded queue dedupes for good; SQS FIFO queues dedupe for five minutes; SQS standard queues
   * do not, so receivers must still dedupe (consumers do, on submissionId).
   */
  readonly deduplicationId?: string;
}

export interface ReceiveOptions {
  readonly maxMessages?: number;
  readonly visibilityTimeoutSeconds?: number;
  /** Long-poll wait; 0 returns at once. */
  readonly waitTimeSeconds?: number;
}

export interface Queue {
  send(queue: string, body: string, options?: SendOptions): Promise<{ messageId: string }>;
  receive(queue: string, options?: ReceiveOptions): Promise<QueueMessage[]>;
  delete(queue: string, receiptHandle: string): Promise<void>;
  changeVisibility(queue: string, receiptHandle: string, visibilityTimeoutSeconds: number): Promise<void>;
}
