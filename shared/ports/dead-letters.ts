/**
 * The dead-letter queues behind the Queue port: a message received maxReceiveCount times without being
 * deleted moves to the dead-letter queue of its source queue (`<queue>-dlq`), where operators list it
 * and replay it to its source.
 */
export interface DeadLetter {
  readonly messageId: string;
  /** The dead-letter queue holding it. */
  readonly queue: string;
  /** The queue it came from, where replay sends it back. */
  readonly sourceQueue: string;
  readonly body: string;
  readonly receiveCount: number;
  readonly sentAt: number;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface DeadLetters {
  /** Messages in the dead-letter queue of `queue` (or in every DLQ when omitted), without consuming them. */
  list(queue?: string): Promise<DeadLetter[]>;
  /** Moves one dead-lettered message back to its source queue. Returns false if another replay took it first. */
  replay(deadLetterQueue: string, messageId: string): Promise<boolean>;
}
