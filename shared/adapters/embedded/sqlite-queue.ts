import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { PipelineError } from '../../core/errors.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { DeadLetter, Queue, QueueMessage, ReceiveOptions, SendOptions } from '../../ports/queue.js';
import { ensureDirectorySync } from './durable-fs.js';
import { openSqlite, type SqliteDatabase } from './sqlite.js';

export interface QueueSettings {
  /** Receives after which the next one moves the message to `<queue>-dlq` instead (SQS maxReceiveCount). */
  readonly maxReceiveCount?: number;
  readonly visibilityTimeoutSeconds?: number;
}

export interface SqliteQueueOptions {
  /** Default 5. */
  readonly maxReceiveCount?: number;
  /** Default 30. */
  readonly defaultVisibilityTimeoutSeconds?: number;
  readonly clock?: Clock;
  /** Per-queue overrides, by source queue name. */
  readonly queues?: Readonly<Record<string, QueueSettings>>;
  /** How often a long poll looks for messages sent by other processes. Default 100 ms. */
  readonly pollIntervalMs?: number;
}

export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly total: number;
}

const DLQ_SUFFIX = '-dlq';
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const MAX_BODY_BYTES = 256 * 1024;
const MAX_ATTRIBUTES = 10;

const isDeadLetterQueue = (queue: string): boolean => queue.endsWith(DLQ_SUFFIX);

/** SQS names: 1-80 of [A-Za-z0-9_-]; a source queue leaves room for its `-dlq` suffix. */
function assertQueueName(queue: string): void {
  const maxLength = isDeadLetterQueue(queue) ? 80 : 80 - DLQ_SUFFIX.length;
  if (!QUEUE_NAME.test(queue) || queue.length > maxLength) {
    throw new PipelineError('config-invalid', `queue name must be 1-${maxLength} of [A-Za-z0-9_-]`, {
      details: { rule: 'name' },
    });
  }
}

function assertIntegerIn(value: number, min: number, max: number, name: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new PipelineError('content-invalid', `${name} must be an integer from ${min} to ${max}`, {
      details: { option: name },
    });
  }
}

function assertAttributes(attributes: Readonly<Record<string, string>>): void {
  const entries = Object.entries(attributes);
  if (entries.length > MAX_ATTRIBUTES) {
    throw new PipelineError('content-invalid', `at most ${MAX_ATTRIBUTES} message attributes`, {
      details: { option: 'attributes' },
    });
  }
  for (const [name, value] of entries) {
    if (!ATTRIBUTE_NAME.test(name) || typeof value !== 'string') {
      throw new PipelineError(
        'content-invalid',
        'message attribute names are [A-Za-z0-9_.-], values strings',
        {
          details: { option: 'attributes' },
        },
      );
    }
  }
}

interface MessageRow {
  seq: number;
  id: string;
  queue: string;
  body: string;
  attributes: string;
  sent_at: number;
  receive_count: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  queue TEXT NOT NULL,
  body TEXT NOT NULL,
  attributes TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,
  receive_count INTEGER NOT NULL DEFAULT 0,
  receipt_handle TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS messages_by_queue ON messages (queue, visible_at, seq);
CREATE TABLE IF NOT EXISTS sent_once (
  queue TEXT NOT NULL,
  dedupe_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  PRIMARY KEY (queue, dedupe_id)
);
`;

/**
 * Queue with SQS semantics on one SQLite file (`${home}/queues.db`, WAL, synchronous=FULL) that several
 * processes share. Queues exist once used; the dead-letter queue of `q` is `q-dlq`, and a message
 * sent straight to `q-dlq` is a dead letter of `q`. State changes run in IMMEDIATE transactions, so a
 * message is never handed to two receivers within its visibility timeout.
 */
export class SqliteQueue implements Queue {
  private readonly db: SqliteDatabase;
  private readonly clock: Clock;
  private readonly maxReceiveCount: number;
  private readonly visibilityTimeoutSeconds: number;
  private readonly overrides: Readonly<Record<string, QueueSettings>>;
  private readonly pollIntervalMs: number;
  private readonly waiters = new Set<() => void>();

  constructor(home: string, options: SqliteQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.maxReceiveCount = options.maxReceiveCount ?? 5;
    this.visibilityTimeoutSeconds = options.defaultVisibilityTimeoutSeconds ?? 30;
    this.overrides = options.queues ?? {};
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    assertIntegerIn(this.maxReceiveCount, 1, 1000, 'maxReceiveCount');
    assertIntegerIn(this.visibilityTimeoutSeconds, 0, 43_200, 'defaultVisibilityTimeoutSeconds');
    for (const [queue, settings] of Object.entries(this.overrides)) {
      assertQueueName(queue);
      if (settings.maxReceiveCount !== undefined)
        assertIntegerIn(settings.maxReceiveCount, 1, 1000, 'maxReceiveCount');
      if (settings.visibilityTimeoutSeconds !== undefined) {
        assertIntegerIn(settings.visibilityTimeoutSeconds, 0, 43_200, 'visibilityTimeoutSeconds');
      }
    }
    ensureDirectorySync(home);
    this.db = openSqlite(join(home, 'queues.db'), { wal: true, busyTimeoutMs: 10_000 });
    this.guard(() => this.db.exec(SCHEMA));
  }

  close(): void {
    this.db.close();
  }

  private settingsOf(queue: string): { maxReceiveCount: number; visibilityTimeoutSeconds: number } {
    const override = this.overrides[queue] ?? {};
    return {
      maxReceiveCount: override.maxReceiveCount ?? this.maxReceiveCount,
      visibilityTimeoutSeconds: override.visibilityTimeoutSeconds ?? this.visibilityTimeoutSeconds,
    };
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  private guard<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      if (error instanceof PipelineError) throw error;
      throw new PipelineError('queue-unavailable', 'local queue database operation failed', {
        retryable: true,
        cause: error,
      });
    }
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
    this.waiters.clear();
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
    const now = this.now();
    const sentId = this.guard(() =>
      this.db
        .transaction(() => {
          if (dedupeId !== undefined) {
            const first = this.db
              .prepare('SELECT message_id FROM sent_once WHERE queue = ? AND dedupe_id = ?')
              .get(queue, dedupeId) as { message_id: string } | undefined;
            if (first) return first.message_id;
            this.db
              .prepare('INSERT INTO sent_once (queue, dedupe_id, message_id) VALUES (?, ?, ?)')
              .run(queue, dedupeId, messageId);
          }
          this.db
            .prepare(
              'INSERT INTO messages (id, queue, body, attributes, sent_at, visible_at) VALUES (?, ?, ?, ?, ?, ?)',
            )
            .run(messageId, queue, body, JSON.stringify(attributes), now, now + delaySeconds * 1000);
          return messageId;
        })
        .immediate(),
    );
    if (sentId === messageId) this.wake();
    return { messageId: sentId };
  }

  async receive(queue: string, options: ReceiveOptions = {}): Promise<QueueMessage[]> {
    assertQueueName(queue);
    const maxMessages = options.maxMessages ?? 1;
    assertIntegerIn(maxMessages, 1, 10, 'maxMessages');
    const visibilityTimeoutSeconds =
      options.visibilityTimeoutSeconds ?? this.settingsOf(queue).visibilityTimeoutSeconds;
    assertIntegerIn(visibilityTimeoutSeconds, 0, 43_200, 'visibilityTimeoutSeconds');
    const waitTimeSeconds = options.waitTimeSeconds ?? 0;
    assertIntegerIn(waitTimeSeconds, 0, 20, 'waitTimeSeconds');

    const deadline = performance.now() + waitTimeSeconds * 1000;
    for (;;) {
      const messages = this.receiveNow(queue, maxMessages, visibilityTimeoutSeconds);
      const remaining = deadline - performance.now();
      if (messages.length > 0 || remaining <= 0) return messages;
      await this.waitForActivity(Math.min(remaining, this.pollIntervalMs));
    }
  }

  private waitForActivity(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private receiveNow(queue: string, maxMessages: number, visibilityTimeoutSeconds: number): QueueMessage[] {
    const { maxReceiveCount } = this.settingsOf(queue);
    const take = this.db.transaction((now: number): QueueMessage[] => {
      if (!isDeadLetterQueue(queue)) this.moveExhausted(queue, maxReceiveCount, now);
      const rows = this.db
        .prepare(
          `SELECT seq, id, queue, body, attributes, sent_at, receive_count FROM messages
           WHERE queue = ? AND visible_at <= ? ORDER BY seq LIMIT ?`,
        )
        .all(queue, now, maxMessages) as MessageRow[];
      const mark = this.db.prepare(
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
    return this.guard(() => take.immediate(this.now()));
  }

  /** SQS's rule: a message that becomes visible with its receives used up goes to the DLQ, not to a consumer. */
  private moveExhausted(queue: string, maxReceiveCount: number, now: number): void {
    this.db
      .prepare(
        `UPDATE messages SET queue = ?, visible_at = ?, receipt_handle = NULL
         WHERE queue = ? AND visible_at <= ? AND receive_count >= ?`,
      )
      .run(`${queue}${DLQ_SUFFIX}`, now, queue, now, maxReceiveCount);
  }

  async delete(queue: string, receiptHandle: string): Promise<void> {
    assertQueueName(queue);
    this.guard(() =>
      this.db
        .prepare('DELETE FROM messages WHERE queue = ? AND receipt_handle = ?')
        .run(queue, receiptHandle),
    );
  }

  async changeVisibility(
    queue: string,
    receiptHandle: string,
    visibilityTimeoutSeconds: number,
  ): Promise<void> {
    assertQueueName(queue);
    assertIntegerIn(visibilityTimeoutSeconds, 0, 43_200, 'visibilityTimeoutSeconds');
    const now = this.now();
    this.guard(() =>
      this.db
        .prepare(
          'UPDATE messages SET visible_at = ? WHERE queue = ? AND receipt_handle = ? AND visible_at > ?',
        )
        .run(now + visibilityTimeoutSeconds * 1000, queue, receiptHandle, now),
    );
    if (visibilityTimeoutSeconds === 0) this.wake();
  }

  async listDeadLetters(queue?: string): Promise<DeadLetter[]> {
    if (queue !== undefined) assertQueueName(queue);
    const list = this.db.transaction((now: number): MessageRow[] => {
      const sources =
        queue === undefined
          ? (
              this.db
                .prepare(
                  `SELECT DISTINCT queue FROM messages
                   WHERE substr(queue, -4) <> '-dlq' AND receive_count > 0 AND visible_at <= ?`,
                )
                .all(now) as { queue: string }[]
            ).map((row) => row.queue)
          : [queue];
      for (const source of sources) {
        if (!isDeadLetterQueue(source))
          this.moveExhausted(source, this.settingsOf(source).maxReceiveCount, now);
      }
      const columns = 'seq, id, queue, body, attributes, sent_at, receive_count';
      return (
        queue === undefined
          ? this.db
              .prepare(`SELECT ${columns} FROM messages WHERE substr(queue, -4) = '-dlq' ORDER BY seq`)
              .all()
          : this.db
              .prepare(`SELECT ${columns} FROM messages WHERE queue = ? ORDER BY seq`)
              .all(`${queue}${DLQ_SUFFIX}`)
      ) as MessageRow[];
    });
    return this.guard(() => list.immediate(this.now())).map((row) => ({
      messageId: row.id,
      queue: row.queue,
      sourceQueue: row.queue.slice(0, -DLQ_SUFFIX.length),
      body: row.body,
      receiveCount: row.receive_count,
      sentAt: row.sent_at,
      attributes: JSON.parse(row.attributes) as Record<string, string>,
    }));
  }

  async redrive(deadLetterQueue: string, messageId: string): Promise<boolean> {
    assertQueueName(deadLetterQueue);
    if (!isDeadLetterQueue(deadLetterQueue)) {
      throw new PipelineError('config-invalid', `a dead-letter queue name ends in ${DLQ_SUFFIX}`, {
        details: { rule: 'dlq-name' },
      });
    }
    const source = deadLetterQueue.slice(0, -DLQ_SUFFIX.length);
    const now = this.now();
    // One conditional UPDATE: of two concurrent replays, only the first still finds it in the DLQ.
    const { changes } = this.guard(() =>
      this.db
        .prepare(
          `UPDATE messages SET queue = ?, receive_count = 0, visible_at = ?, receipt_handle = NULL
           WHERE id = ? AND queue = ?`,
        )
        .run(source, now, messageId, deadLetterQueue),
    );
    if (changes === 1) this.wake();
    return changes === 1;
  }

  /** Message counts of one queue, for operators and tests. */
  depth(queue: string): QueueDepth {
    assertQueueName(queue);
    const now = this.now();
    const row = this.guard(
      () =>
        this.db
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
