import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { PipelineError } from '../../core/errors.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import { assertIntegerIn, assertQueueName, DLQ_SUFFIX } from '../queue-names.js';
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

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
export const MAX_BODY_BYTES = 256 * 1024;
const MAX_ATTRIBUTES = 10;

export function assertAttributes(attributes: Readonly<Record<string, string>>): void {
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

export interface MessageRow {
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

interface GroupedWrite {
  readonly write: () => unknown;
  /** False for a change whose loss in a power cut only brings a message back (see `relaxed`). */
  readonly durable: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

const queueError = (error: unknown): PipelineError =>
  error instanceof PipelineError
    ? error
    : new PipelineError('queue-unavailable', 'local queue database operation failed', {
        retryable: true,
        cause: error,
      });

/**
 * Wakes the long polls of this process's other threads (the stack's queue workers run in a thread of
 * their own) as soon as a message is sent, instead of at their next poll. Other processes still find
 * new messages within `pollIntervalMs`.
 */
const openDatabases = new Set<SqliteQueueDatabase>();
let wakeChannel: BroadcastChannel | undefined;
const WAKE_CHANNEL = 'phi-embedded-queue-wake';

function threadWakeChannel(): BroadcastChannel {
  if (wakeChannel === undefined) {
    const channel = new BroadcastChannel(WAKE_CHANNEL);
    // Never what keeps a process or thread alive.
    channel.unref();
    channel.onmessage = (event) => {
      const path = (event as { data: unknown }).data;
      for (const database of openDatabases) if (database.path === path) database.wakeHere();
    };
    wakeChannel = channel;
  }
  return wakeChannel;
}

export const MESSAGE_COLUMNS = 'seq, id, queue, body, attributes, sent_at, receive_count';

/**
 * The SQLite file (`${home}/queues.db`, WAL, synchronous=FULL) that SqliteQueue and SqliteDeadLetters
 * share, with what both need: per-queue settings, the clock, error mapping, the wake-up of in-process
 * long polls and SQS's move of exhausted messages to the dead-letter queue.
 */
export class SqliteQueueDatabase {
  readonly db: SqliteDatabase;
  /** The database file, which names it to the other threads' wake-ups. */
  readonly path: string;
  private readonly clock: Clock;
  private readonly maxReceiveCount: number;
  private readonly visibilityTimeoutSeconds: number;
  private readonly overrides: Readonly<Record<string, QueueSettings>>;
  readonly pollIntervalMs: number;
  private readonly waiters = new Set<() => void>();
  private readonly group: GroupedWrite[] = [];

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
    this.path = join(home, 'queues.db');
    this.db = openSqlite(this.path, { wal: true, busyTimeoutMs: 10_000 });
    this.guard(() => this.db.exec(SCHEMA));
    openDatabases.add(this);
    threadWakeChannel();
  }

  close(): void {
    openDatabases.delete(this);
    this.commitGroup();
    this.db.close();
  }

  /**
   * Runs `write` in one IMMEDIATE transaction with every other write asked for in the same turn of the
   * event loop: one commit, so one fsync of the WAL (synchronous=FULL) for all of them instead of one
   * each (about 5 ms here, during which the thread is blocked). Each promise resolves only once that
   * commit is durable, so nothing is acknowledged earlier than before. Each write runs in a savepoint
   * of its own: one that throws fails alone, and its changes are undone.
   */
  grouped<T>(write: () => T, options: { durable?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.group.push({
        write,
        durable: options.durable ?? true,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (this.group.length === 1) setImmediate(() => this.commitGroup());
    });
  }

  private commitGroup(): void {
    const writes = this.group.splice(0);
    if (writes.length === 0) return;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    const commit = (): void =>
      this.guard(() =>
        this.db
          .transaction(() => {
            outcomes.length = 0;
            for (const { write } of writes) {
              try {
                outcomes.push({ ok: true, value: this.db.transaction(write)() });
              } catch (error) {
                outcomes.push({ ok: false, value: error });
              }
            }
          })
          .immediate(),
      );
    try {
      if (writes.some((w) => w.durable)) commit();
      else this.relaxed(commit);
    } catch (error) {
      for (const { reject } of writes) reject(error);
      return;
    }
    writes.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) resolve(outcome.value);
      else reject(queueError(outcome?.value));
    });
  }

  /**
   * Runs `work` with its commits written to the WAL but not flushed (synchronous=NORMAL), for changes
   * whose loss in a power cut only makes a message come back, as SQS may anyway: a receive (visibility,
   * receive count), a delete, a visibility change. A process crash loses nothing (the OS holds the
   * WAL); the next durable commit of any connection flushes the WAL file, these frames with it, so a
   * later send is never durable while an earlier change is not. Sends stay FULL: a 202 means queued.
   */
  relaxed<T>(work: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return work();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  settingsOf(queue: string): { maxReceiveCount: number; visibilityTimeoutSeconds: number } {
    const override = this.overrides[queue] ?? {};
    return {
      maxReceiveCount: override.maxReceiveCount ?? this.maxReceiveCount,
      visibilityTimeoutSeconds: override.visibilityTimeoutSeconds ?? this.visibilityTimeoutSeconds,
    };
  }

  now(): number {
    return this.clock.now().getTime();
  }

  guard<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      throw queueError(error);
    }
  }

  /** A message became visible: long polls here and in this process's other threads look again. */
  wake(): void {
    this.wakeHere();
    threadWakeChannel().postMessage(this.path);
  }

  wakeHere(): void {
    for (const waiter of this.waiters) waiter();
    this.waiters.clear();
  }

  waitForActivity(ms: number): Promise<void> {
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

  /** SQS's rule: a message that becomes visible with its receives used up goes to the DLQ, not to a consumer. */
  moveExhausted(queue: string, maxReceiveCount: number, now: number): void {
    this.db
      .prepare(
        `UPDATE messages SET queue = ?, visible_at = ?, receipt_handle = NULL
         WHERE queue = ? AND visible_at <= ? AND receive_count >= ?`,
      )
      .run(`${queue}${DLQ_SUFFIX}`, now, queue, now, maxReceiveCount);
  }
}
