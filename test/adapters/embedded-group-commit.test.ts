import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteQueue } from '../../shared/adapters/embedded/sqlite-queue.js';

/** Counts the IMMEDIATE transactions (each one commit, one WAL fsync) a queue's database runs. */
function countCommits(queue: SqliteQueue): () => number {
  const db = queue.database.db;
  const real = db.transaction.bind(db);
  let commits = 0;
  db.transaction = ((fn: Parameters<typeof real>[0]) => {
    const tx = real(fn);
    return Object.assign((...args: unknown[]) => tx(...(args as [])), {
      default: tx.default,
      deferred: tx.deferred,
      exclusive: tx.exclusive,
      immediate: (...args: unknown[]) => {
        commits += 1;
        return tx.immediate(...(args as []));
      },
    });
  }) as typeof db.transaction;
  return () => commits;
}

describe('SqliteQueue: writes of one turn share one commit', () => {
  let home: string;
  let queue: SqliteQueue;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'phi-group-'));
    queue = new SqliteQueue(home);
  });
  afterEach(async () => {
    queue.close();
    await rm(home, { recursive: true, force: true });
  });

  it('commits concurrent sends (and concurrent deletes) once, in call order, each acknowledged after it', async () => {
    const commits = countCommits(queue);
    const sent = await Promise.all(Array.from({ length: 20 }, (_, i) => queue.send('work', `m-${i}`)));
    expect(commits()).toBe(1);
    expect(new Set(sent.map((s) => s.messageId)).size).toBe(20);
    const got = [
      ...(await queue.receive('work', { maxMessages: 10 })),
      ...(await queue.receive('work', { maxMessages: 10 })),
    ];
    expect(got.map((m) => m.body)).toEqual(Array.from({ length: 20 }, (_, i) => `m-${i}`));
    const before = commits();
    await Promise.all(got.map((m) => queue.delete('work', m.receiptHandle)));
    expect(commits() - before).toBe(1);
    expect(queue.depth('work').total).toBe(0);

    // One after the other: a commit each, as before.
    const sequential = commits();
    for (let i = 0; i < 3; i++) await queue.send('work', `s-${i}`);
    expect(commits() - sequential).toBe(3);
  });

  it('dedupes within one group as across groups', async () => {
    const [a, b, c] = await Promise.all([
      queue.send('notify', 'x', { deduplicationId: 'k1' }),
      queue.send('notify', 'y', { deduplicationId: 'k1' }),
      queue.send('notify', 'z', { deduplicationId: 'k2' }),
    ]);
    expect(b?.messageId).toBe(a?.messageId);
    expect(c?.messageId).not.toBe(a?.messageId);
    expect((await queue.send('notify', 'again', { deduplicationId: 'k2' })).messageId).toBe(c?.messageId);
    expect(queue.depth('notify').total).toBe(2);
  });

  it('fails only the write that threw, undoing its changes, and commits the others', async () => {
    const db = queue.database.db;
    const results = await Promise.allSettled([
      queue.send('work', 'before'),
      queue.database.grouped(() => {
        db.prepare(
          "INSERT INTO messages (id, queue, body, attributes, sent_at, visible_at) VALUES ('doomed', 'work', 'half', '{}', 0, 0)",
        ).run();
        db.prepare('INSERT INTO no_such_table VALUES (1)').run();
      }),
      queue.send('work', 'after'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[1]).toMatchObject({ reason: { code: 'queue-unavailable' } });
    const got = await queue.receive('work', { maxMessages: 10 });
    expect(got.map((m) => m.body)).toEqual(['before', 'after']);
  });

  it('commits what is pending before it closes', async () => {
    const pending = queue.send('work', 'last');
    queue.close();
    await expect(pending).resolves.toMatchObject({ messageId: expect.any(String) });
    queue = new SqliteQueue(home);
    expect(queue.depth('work').total).toBe(1);
  });

  it('flushes every commit that holds a send, and only those (receives, deletes, visibility changes are redeliveries if lost)', async () => {
    const db = queue.database.db;
    const real = db.transaction.bind(db);
    const levels: number[] = [];
    const level = (): number => Number(db.pragma('synchronous', { simple: true }));
    db.transaction = ((fn: Parameters<typeof real>[0]) => {
      const tx = real(fn);
      return Object.assign((...args: unknown[]) => tx(...(args as [])), {
        default: tx.default,
        deferred: tx.deferred,
        exclusive: tx.exclusive,
        immediate: (...args: unknown[]) => {
          levels.push(level());
          return tx.immediate(...(args as []));
        },
      });
    }) as typeof db.transaction;
    const FULL = 2;
    const NORMAL = 1;
    await Promise.all([queue.send('work', 'a'), queue.send('work', 'b'), queue.send('work', 'c')]);
    const [a, b, c] = await queue.receive('work', { maxMessages: 3 });
    await Promise.all([a, b].map((m) => queue.delete('work', m?.receiptHandle ?? '')));
    // A delete that shares its commit with a send is flushed with it.
    await Promise.all([queue.delete('work', c?.receiptHandle ?? ''), queue.send('work', 'd')]);
    const [d] = await queue.receive('work', { visibilityTimeoutSeconds: 60 });
    await queue.changeVisibility('work', d?.receiptHandle ?? '', 0);
    expect(levels).toEqual([FULL, NORMAL, NORMAL, FULL, NORMAL]);
    // The connection is left flushing after each of them, whatever it ran.
    expect(level()).toBe(FULL);
    expect(queue.depth('work')).toMatchObject({ visible: 1, total: 1 });
    db.transaction = real;
  });
});
