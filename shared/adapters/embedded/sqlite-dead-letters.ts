import { PipelineError } from '../../core/errors.js';
import type { DeadLetter, DeadLetters } from '../../ports/dead-letters.js';
import { assertQueueName, DLQ_SUFFIX, isDeadLetterQueue } from '../queue-names.js';
import type { SqliteQueue } from './sqlite-queue.js';
import { MESSAGE_COLUMNS, type MessageRow, type SqliteQueueDatabase } from './sqlite-queue-database.js';

/**
 * The dead-letter queues of a SqliteQueue, on its database: `q-dlq` holds the dead letters of `q`.
 * Listing first moves exhausted messages that nobody received again (SQS's rule, applied early), and a
 * replay is one conditional UPDATE, so of two concurrent replays only one moves the message.
 */
export class SqliteDeadLetters implements DeadLetters {
  private readonly database: SqliteQueueDatabase;

  constructor(queue: SqliteQueue) {
    this.database = queue.database;
  }

  async list(queue?: string): Promise<DeadLetter[]> {
    if (queue !== undefined) assertQueueName(queue);
    const list = this.database.db.transaction((now: number): MessageRow[] => {
      const sources =
        queue === undefined
          ? (
              this.database.db
                .prepare(
                  `SELECT DISTINCT queue FROM messages
                   WHERE substr(queue, -4) <> '-dlq' AND receive_count > 0 AND visible_at <= ?`,
                )
                .all(now) as { queue: string }[]
            ).map((row) => row.queue)
          : [queue];
      for (const source of sources) {
        if (!isDeadLetterQueue(source))
          this.database.moveExhausted(source, this.database.settingsOf(source).maxReceiveCount, now);
      }
      return (
        queue === undefined
          ? this.database.db
              .prepare(
                `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE substr(queue, -4) = '-dlq' ORDER BY seq`,
              )
              .all()
          : this.database.db
              .prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE queue = ? ORDER BY seq`)
              .all(`${queue}${DLQ_SUFFIX}`)
      ) as MessageRow[];
    });
    return this.database
      .guard(() => list.immediate(this.database.now()))
      .map((row) => ({
        messageId: row.id,
        queue: row.queue,
        sourceQueue: row.queue.slice(0, -DLQ_SUFFIX.length),
        body: row.body,
        receiveCount: row.receive_count,
        sentAt: row.sent_at,
        attributes: JSON.parse(row.attributes) as Record<string, string>,
      }));
  }

  async replay(deadLetterQueue: string, messageId: string): Promise<boolean> {
    assertQueueName(deadLetterQueue);
    if (!isDeadLetterQueue(deadLetterQueue)) {
      throw new PipelineError('config-invalid', `a dead-letter queue name ends in ${DLQ_SUFFIX}`, {
        details: { rule: 'dlq-name' },
      });
    }
    const source = deadLetterQueue.slice(0, -DLQ_SUFFIX.length);
    const now = this.database.now();
    // One conditional UPDATE: of two concurrent replays, only the first still finds it in the DLQ.
    const { changes } = this.database.guard(() =>
      this.database.db
        .prepare(
          `UPDATE messages SET queue = ?, receive_count = 0, visible_at = ?, receipt_handle = NULL
           WHERE id = ? AND queue = ?`,
        )
        .run(source, now, messageId, deadLetterQueue),
    );
    if (changes === 1) this.database.wake();
    return changes === 1;
  }
}
