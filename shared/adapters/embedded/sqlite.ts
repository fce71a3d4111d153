import { chmodSync } from 'node:fs';
import Database from 'better-sqlite3';
import { FILE_MODE, hasErrorCode } from './durable-fs.js';

export type SqliteDatabase = Database.Database;

const pause = new Int32Array(new SharedArrayBuffer(4));
/** Blocks the thread briefly; only used while opening, before any async work depends on this process. */
const sleepSync = (ms: number): void => {
  Atomics.wait(pause, 0, 0, ms);
};

export const isBusy = (error: unknown): boolean => hasErrorCode(error, 'SQLITE_BUSY', 'SQLITE_LOCKED');

/**
 * Opens a SQLite file shared by several processes. Switching to WAL needs a moment of exclusive access,
 * which another process opening the same file at the same time may hold, hence the retries.
 */
export function openSqlite(path: string, options: { wal: boolean; busyTimeoutMs: number }): SqliteDatabase {
  const db = new Database(path);
  try {
    chmodSync(path, FILE_MODE);
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`);
    for (let attempt = 0; ; attempt++) {
      try {
        if (options.wal) db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
        break;
      } catch (error) {
        if (!isBusy(error) || attempt >= 50) throw error;
        sleepSync(20);
      }
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
