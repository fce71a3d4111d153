import { randomBytes, randomUUID } from 'node:crypto';
import { PipelineError } from '../../core/errors.js';
import type { Queue, QueueMessage, ReceiveOptions, SendOptions } from '../../ports/queue.js';
import { assertIntegerIn, assertQueueName, isDeadLetterQueue } from '../queue-names.js';
import {
  assertAttributes,
  MAX_BODY_BYTES,
  MESSAGE_COLUMNS,
  type MessageRow,
  SqliteQueueDatabase,
  type SqliteQueueOptions,
} from './sqlite-queue-database.js';

export type { QueueSettings, SqliteQueueOptions } from './sqlite-queue-database.js';

export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly total: number;
}

/**
 * Queue with SQS semantics on one SQLite file (`${home}/queues.db`, WAL, synchronous=FULL) that several
 * processes share. Queues exist once used; the dead-letter queue of `q` is `q-dlq` (SqliteDeadLetters
 * reads and replays it), and a message sent straight to `q-dlq` is a dead letter of `q`. State changes
 * run in IMMEDIATE transactions, so a message is never handed to two receivers within its visibility
 * timeout.
 */
export class SqliteQueue implements Queue {
  /** The database this queue and its SqliteDeadLetters share. */
  readonly database: SqliteQueueDatabase;

  constructor(home: string, options: SqliteQueueOptions = {}) {
    this.database = new SqliteQueueDatabase(home, options);
  }

  close(): void {
    this.database.close();
  }

  async send(queue: string, body: string, options: SendOptions = {}): Promise<{ messageId: string }> {
    assertQueueName(queue);
    if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) {
      throw new PipelineError('content-invalid', `message body exceeds ${MAX_BODY_BYTES} bytes`, {
        details: { limit: MAX_BODY_BYTES },
      });
    }
    const delaySeconds = options.delaySeconds ?? 0;
    assertIntegerIn(delaySeconds, 0, 900, 'delaySeconds');
    const attributes = options.attributes ?? {};
    assertAttributes(attributes);
    const dedupeId = options.deduplicationId;
    if (dedupeId !== undefined && !/^[\x21-\x7e]{1,128}$/.test(dedupeId)) {
      throw new PipelineError('content-invalid', 'deduplicationId must be 1 to 128 printable characters');
    }
    const messageId = randomUUID();
    const now = this.database.now();
    const db = this.database.db;
    const sentId = await this.database.grouped(() => {
      if (dedupeId !== undefined) {
        const first = db
          .prepare('SELECT message_id FROM sent_once WHERE queue = ? AND dedupe_id = ?')
          .get(queue, dedupeId) as { message_id: string } | undefined;
        if (first) return first.message_id;
        db.prepare('INSERT INTO sent_once (queue, dedupe_id, message_id) VALUES (?, ?, ?)').run(
          queue,
          dedupeId,
          messageId,
        );
      }
      db.prepare(
        'INSERT INTO messages (id, queue, body, attributes, sent_at, visible_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(messageId, queue, body, JSON.stringify(attributes), now, now + delaySeconds * 1000);
      return messageId;
    });
    if (sentId === messageId) this.database.wake();
    return { messageId: sentId };
  }

  async receive(queue: string, options: ReceiveOptions = {}): Promise<QueueMessage[]> {
    assertQueueName(queue);
    const maxMessages = options.maxMessages ?? 1;
    assertIntegerIn(maxMessages, 1, 10, 'maxMessages');
    const visibilityTimeoutSeconds =
      options.visibilityTimeoutSeconds ?? this.database.settingsOf(queue).visibilityTimeoutSeconds;
    assertIntegerIn(visibilityTimeoutSeconds, 0, 43_200, 'visibilityTimeoutSeconds');
    const waitTimeSeconds = options.waitTimeSeconds ?? 0;
    assertIntegerIn(waitTimeSeconds, 0, 20, 'waitTimeSeconds');

    const deadline = performance.now() + waitTimeSeconds * 1000;
    for (;;) {
      const messages = this.receiveNow(queue, maxMessages, visibilityTimeoutSeconds);
      const remaining = deadline - performance.now();
      if (messages.length > 0 || remaining <= 0) return messages;
      await this.database.waitForActivity(Math.min(remaining, this.database.pollIntervalMs));
    }
  }

  private receiveNow(queue: string, maxMessages: number, visibilityTimeoutSeconds: number): QueueMessage[] {
    const { maxReceiveCount } = this.database.settingsOf(queue);
    const take = this.database.db.transaction((now: number): QueueMessage[] => {
      if (!isDeadLetterQueue(queue)) this.database.moveExhausted(queue, maxReceiveCount, now);
      const rows = this.database.db
        .prepare(
          `SELECT ${MESSAGE_COLUMNS} FROM messages
           WHERE queue = ? AND visible_at <= ? ORDER BY seq LIMIT ?`,
        )
        .all(queue, now, maxMessages) as MessageRow[];
      const mark = this.database.db.prepare(
        'UPDATE messages SET receive_count = receive_count + 1, visible_at = ?, receipt_handle = ? WHERE seq = ?',
      );
      return rows.map((row) => {
        const receiptHandle = randomBytes(24).toString('base64url');
        mark.run(now + visibilityTimeoutSeconds * 1000, receiptHandle, row.seq);
        return {
          messageId: row.id,
          receiptHandle,
          body: row.body,
          receiveCount: row.receive_count + 1,
          sentAt: row.sent_at,
          attributes: JSON.parse(row.attributes) as Record<string, string>,
        };
      });
    });
    // Not flushed: a receive lost in a power cut only makes its messages visible again.
    return this.database.guard(() => this.database.relaxed(() => take.immediate(this.database.now())));
  }

  async delete(queue: string, receiptHandle: string): Promise<void> {
    assertQueueName(queue);
    // Committed with the other deletes and sends of this turn (see SqliteQueueDatabase.grouped).
    // Not flushed unless a send shares the commit: a delete lost in a power cut is a redelivery.
    await this.database.grouped(
      () =>
        this.database.db
          .prepare('DELETE FROM messages WHERE queue = ? AND receipt_handle = ?')
          .run(queue, receiptHandle),
      { durable: false },
    );
  }

  async changeVisibility(
    queue: string,
    receiptHandle: string,
    visibilityTimeoutSeconds: number,
  ): Promise<void> {
    assertQueueName(queue);
    assertIntegerIn(visibilityTimeoutSeconds, 0, 43_200, 'visibilityTimeoutSeconds');
    const now = this.database.now();
    this.database.guard(() =>
      this.database.relaxed(() =>
        this.database.db
          .prepare(
            'UPDATE messages SET visible_at = ? WHERE queue = ? AND receipt_handle = ? AND visible_at > ?',
          )
          .run(now + visibilityTimeoutSeconds * 1000, queue, receiptHandle, now),
      ),
    );
    if (visibilityTimeoutSeconds === 0) this.database.wake();
  }

  /** Message counts of one queue, for operators and tests. */
  depth(queue: string): QueueDepth {
    assertQueueName(queue);
    const now = this.database.now();
    const row = this.database.guard(
      () =>
        this.database.db
          .prepare(
            `SELECT
               coalesce(sum(visible_at <= @now), 0) AS visible,
               coalesce(sum(visible_at > @now AND receipt_handle IS NOT NULL), 0) AS inFlight,
               coalesce(sum(visible_at > @now AND receipt_handle IS NULL), 0) AS delayed
             FROM messages WHERE queue = @queue`,
          )
          .get({ now, queue }) as { visible: number; inFlight: number; delayed: number },
    );
    return { ...row, total: row.visible + row.inFlight + row.delayed };
  }
}
