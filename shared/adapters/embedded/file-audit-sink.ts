import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { canonicalJson, chainLinkAfter, hashRecord } from '../../core/audit/hash-chain.js';
import { PipelineError } from '../../core/errors.js';
import type { AuditEvent, AuditRecord, AuditSink } from '../../ports/audit-sink.js';
import { auditEventSchema as eventSchema } from '../record-schemas.js';
import { auditDirectory, listAuditFiles } from './audit-files.js';
import { ensureDirectorySync, FILE_MODE, fsyncDirectory } from './durable-fs.js';
import { isBusy, openSqlite, type SqliteDatabase } from './sqlite.js';

export interface FileAuditSinkOptions {
  /** How long an append waits for other processes' appends before failing. Default 30 s. */
  readonly lockTimeoutMs?: number;
}

const TAIL_CHUNK = 16 * 1024;

/**
 * The last complete line of an audit file. A torn final line (a write cut short by a crash before it
 * was acknowledged) is cut off first, so the chain continues from the last record that really exists.
 */
async function readLastLine(handle: FileHandle): Promise<string | undefined> {
  const { size } = await handle.stat();
  let buffer = Buffer.alloc(0);
  let position = size;
  while (position > 0) {
    const length = Math.min(TAIL_CHUNK, position);
    position -= length;
    const chunk = Buffer.alloc(length);
    await handle.read(chunk, 0, length, position);
    buffer = Buffer.concat([chunk, buffer]);
    const lastNewline = buffer.lastIndexOf(0x0a);
    const previousNewline = lastNewline <= 0 ? -1 : buffer.lastIndexOf(0x0a, lastNewline - 1);
    if (previousNewline < 0 && position > 0) continue;
    const completeEnd = lastNewline < 0 ? 0 : position + lastNewline + 1;
    if (completeEnd < size) {
      await handle.truncate(completeEnd);
      await handle.sync();
    }
    return lastNewline < 0 ? undefined : buffer.subarray(previousNewline + 1, lastNewline).toString('utf8');
  }
  return undefined;
}

/**
 * Hash-chained audit log in `${home}/audit/YYYY-MM-DD.jsonl` (UTC day of the record; a record never
 * goes into a file older than the newest one, so file order is chain order). Appends from any number
 * of processes are serialized by an IMMEDIATE transaction on `${home}/audit/.lock.db`; inside it, seq
 * and prev come from the last line actually on disk, so a crash between steps cannot fork the chain.
 */
export class FileAuditSink implements AuditSink {
  private readonly dir: string;
  private readonly lock: SqliteDatabase;
  private readonly lockTimeoutMs: number;
  private readonly waiting: WaitingAppend[] = [];
  private draining = false;

  constructor(home: string, options: FileAuditSinkOptions = {}) {
    this.dir = auditDirectory(home);
    this.lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
    ensureDirectorySync(this.dir);
    // busy_timeout 0: waiting happens in acquire() without blocking the event loop.
    this.lock = openSqlite(join(this.dir, '.lock.db'), { wal: false, busyTimeoutMs: 0 });
  }

  close(): void {
    this.lock.close();
  }

  append(event: AuditEvent): Promise<AuditRecord> {
    const parsed = eventSchema.safeParse(event);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))];
      return Promise.reject(
        new PipelineError('content-invalid', 'audit event has invalid fields', {
          details: { fields: fields.join(',') },
        }),
      );
    }
    // One write at a time per instance, each taking every append that waited for it (one fsync for
    // all of them); the sqlite lock orders instances and processes.
    return new Promise<AuditRecord>((resolve, reject) => {
      this.waiting.push({ event: parsed.data, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0);
        try {
          await this.appendLocked(batch);
        } catch (error) {
          // appendLocked settles its own batch; anything escaping fails what is left of it.
          for (const append of batch) append.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async acquire(): Promise<void> {
    const deadline = performance.now() + this.lockTimeoutMs;
    for (let delay = 1; ; delay = Math.min(delay * 2, 25)) {
      try {
        this.lock.exec('BEGIN IMMEDIATE');
        return;
      } catch (error) {
        if (!isBusy(error) || performance.now() > deadline) {
          throw new PipelineError('store-unavailable', 'audit log lock not acquired', {
            retryable: true,
            cause: error,
          });
        }
      }
      await sleep(delay + Math.random() * delay);
    }
  }

  private async appendLocked(batch: WaitingAppend[]): Promise<void> {
    try {
      await this.acquire();
    } catch (error) {
      for (const append of batch) append.reject(error);
      return;
    }
    // Acknowledged only once the lock is released: a caller that closes the sink after its last
    // append must not close it under an open transaction.
    const durable: { append: WaitingAppend; record: AuditRecord }[] = [];
    let failure: PipelineError | undefined;
    try {
      await this.write(batch, durable);
    } catch (error) {
      failure =
        error instanceof PipelineError
          ? error
          : new PipelineError('store-unavailable', 'audit log append failed', {
              retryable: true,
              cause: error,
            });
    } finally {
      // ROLLBACK, not COMMIT: nothing is written in the lock database, and a COMMIT (rollback journal)
      // waits for the shared lock another process takes while it tries BEGIN IMMEDIATE, which fails at
      // once under busy_timeout 0 and left the transaction open: every later append of this instance
      // then failed ("cannot start a transaction within a transaction") and the others timed out.
      this.lock.exec('ROLLBACK');
    }
    for (const { append, record } of durable) append.resolve(record);
    // A promise settles once: this fails only the appends that were not made durable.
    if (failure !== undefined) for (const append of batch) append.reject(failure);
  }

  /**
   * Chains the batch after the last record on disk and appends it, one write and one fsync per file
   * it lands in; each append goes into `durable` once its line is.
   */
  private async write(
    batch: readonly WaitingAppend[],
    durable: { append: WaitingAppend; record: AuditRecord }[],
  ): Promise<void> {
    const files = await listAuditFiles(this.dir);
    let lastLine: string | undefined;
    let lastFile: string | undefined;
    for (let index = files.length - 1; index >= 0 && lastLine === undefined; index--) {
      lastFile = files[index];
      if (lastFile === undefined) break;
      const handle = await open(join(this.dir, lastFile), 'r+');
      try {
        lastLine = await readLastLine(handle);
      } finally {
        await handle.close();
      }
    }
    const link = chainLinkAfter(lastLine);
    if (link === undefined) {
      throw new PipelineError('store-unavailable', 'audit log tail is unreadable; run phi audit verify', {
        details: { file: lastFile ?? '' },
      });
    }
    let newest = files.at(-1);
    let next = link;
    // Consecutive records bound for the same file go in one append.
    let group:
      | { target: string; lines: string[]; appends: { append: WaitingAppend; record: AuditRecord }[] }
      | undefined;
    const flush = async (): Promise<void> => {
      if (group === undefined) return;
      const { target, lines, appends } = group;
      group = undefined;
      const handle = await open(join(this.dir, target), 'a', FILE_MODE);
      try {
        await handle.appendFile(lines.join(''), 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (target !== newest) {
        await fsyncDirectory(this.dir);
        newest = target;
      }
      durable.push(...appends);
    };
    for (const append of batch) {
      const { event } = append;
      const unsigned = { ...event, seq: next.seq, prev: next.prev };
      const record: AuditRecord = { ...unsigned, hash: hashRecord(unsigned) };
      next = { seq: record.seq + 1, prev: record.hash };
      const dayFile = `${new Date(event.time).toISOString().slice(0, 10)}.jsonl`;
      const latest = group?.target ?? newest;
      const target = latest !== undefined && latest > dayFile ? latest : dayFile;
      if (group !== undefined && group.target !== target) await flush();
      group ??= { target, lines: [], appends: [] };
      group.lines.push(`${canonicalJson(record)}\n`);
      group.appends.push({ append, record });
    }
    await flush();
  }
}

interface WaitingAppend {
  readonly event: AuditEvent;
  readonly resolve: (record: AuditRecord) => void;
  readonly reject: (error: unknown) => void;
}
