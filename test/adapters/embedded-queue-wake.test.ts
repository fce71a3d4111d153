import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteQueue } from '../../shared/adapters/embedded/sqlite-queue.js';

/** What another thread of the process (the stack's queue workers) hears and says. */
const otherThread = () => new BroadcastChannel('phi-embedded-queue-wake');

describe('SqliteQueue: long polls of other threads wake on a send', () => {
  let home: string;
  let queue: SqliteQueue;
  let channel: BroadcastChannel;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'phi-wake-'));
    // Polls that would otherwise look again only after 10 s.
    queue = new SqliteQueue(home, { pollIntervalMs: 10_000 });
    channel = otherThread();
  });
  afterEach(async () => {
    channel.close();
    queue.close();
    await rm(home, { recursive: true, force: true });
  });

  it('tells the other threads which database a message was sent to', async () => {
    const heard = new Promise<unknown>((resolve) => {
      channel.onmessage = (event) => resolve((event as { data: unknown }).data);
    });
    await queue.send('work', 'x');
    expect(await heard).toBe(queue.database.path);
  });

  it('answers a waiting receive as soon as another thread says its database has a message', async () => {
    const started = performance.now();
    const receiving = queue.receive('work', { waitTimeSeconds: 20 });
    await new Promise((r) => setTimeout(r, 50));
    // Written by "another thread": a second connection, whose send does not wake this one itself.
    const writer = new SqliteQueue(home);
    const { messageId } = await writer.send('work', 'from elsewhere');
    writer.close();
    channel.postMessage(queue.database.path);
    const got = await receiving;
    expect(got.map((m) => m.messageId)).toEqual([messageId]);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('ignores wake-ups for another database', async () => {
    const started = performance.now();
    channel.postMessage(join(home, 'elsewhere.db'));
    expect(await queue.receive('work', { waitTimeSeconds: 1 })).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
  });
});
