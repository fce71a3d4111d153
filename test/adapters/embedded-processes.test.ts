import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FileAuditSink,
  FileObjectStore,
  SqliteQueue,
  verifyAuditDirectory,
} from '../../shared/adapters/embedded/index.js';
import { buildEmbeddedChild } from '../helpers/build-embedded.js';
import { crashBody } from '../helpers/crash-body.js';

interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  readonly lines: string[];
  /** Resolves with the exit code or signal once the process is gone. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** Resolves when `predicate` holds for the lines seen so far. */
  until(predicate: (lines: readonly string[]) => boolean): Promise<void>;
}

let script: string;
let cleanupBuild: () => Promise<void>;

function start(...args: string[]): Child {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const watchers = new Set<() => void>();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const watcher of watchers) watcher();
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.on('close', (code, signal) => {
      for (const watcher of watchers) watcher();
      resolve(code ?? signal);
    });
  });
  const until = (predicate: (seen: readonly string[]) => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (predicate(lines)) {
          watchers.delete(check);
          resolve();
        } else if (child.exitCode !== null || child.signalCode !== null) {
          watchers.delete(check);
          reject(new Error(`child exited early: ${stderr.slice(0, 2000)}`));
        }
      };
      watchers.add(check);
      check();
    });
  return { process: child, lines, exited, until };
}

/** Starts all children, waits until each has opened its adapters, then releases them at once. */
async function startTogether(argsList: string[][]): Promise<Child[]> {
  const children = argsList.map((args) => start(...args));
  await Promise.all(children.map((child) => child.until((lines) => lines.includes('ready'))));
  for (const child of children) child.process.stdin.end('go\n');
  return children;
}

describe('Embedded adapters across processes', () => {
  let home: string;

  beforeAll(async () => {
    ({ script, cleanup: cleanupBuild } = await buildEmbeddedChild());
  });
  afterAll(async () => {
    await cleanupBuild();
  });
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'phi-processes-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('keeps one unbroken audit chain when two processes append at the same time', async () => {
    const children = await startTogether([
      ['audit', home, 'one', '150'],
      ['audit', home, 'two', '150'],
    ]);
    const codes = await Promise.all(children.map((child) => child.exited));
    expect(codes).toEqual([0, 0]);
    const acked = children.flatMap((child) => child.lines.filter((line) => line.startsWith('ack ')));
    expect(acked).toHaveLength(300);
    const seqs = acked.map((line) => Number(line.split(' ')[1])).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    const verification = await verifyAuditDirectory(home);
    expect(verification).toMatchObject({ ok: true, count: 300 });
  });

  it('keeps appending when four processes append in bursts (the lock is released even when others wait on it)', async () => {
    const children = await startTogether(
      ['a', 'b', 'c', 'd'].map((actor) => ['audit-burst', home, actor, '500']),
    );
    expect(await Promise.all(children.map((child) => child.exited))).toEqual([0, 0, 0, 0]);
    const lines = children.flatMap((child) => child.lines.filter((line) => line !== 'ready'));
    expect(lines.filter((line) => !line.startsWith('ack '))).toEqual([]);
    expect(lines).toHaveLength(2000);
    expect(await verifyAuditDirectory(home)).toMatchObject({ ok: true, count: 2000 });
  });

  it('never hands one message to two receiving processes within its visibility timeout', async () => {
    const queue = new SqliteQueue(home);
    const sent = new Set<string>();
    for (let i = 0; i < 400; i++) sent.add((await queue.send('shared', `m-${i}`)).messageId);
    queue.close();
    const children = await startTogether([
      ['receive', home, 'shared'],
      ['receive', home, 'shared'],
    ]);
    expect(await Promise.all(children.map((child) => child.exited))).toEqual([0, 0]);
    const [one = [], two = []] = children.map((child) =>
      child.lines.filter((line) => line.startsWith('got ')).map((line) => line.slice(4)),
    );
    expect(new Set(one).size).toBe(one.length);
    expect(one.filter((id) => two.includes(id))).toEqual([]);
    expect(new Set([...one, ...two])).toEqual(sent);
  });

  it('loses nothing it acknowledged when the writer is killed at random moments', async () => {
    const ackedObjects: string[] = [];
    const ackedMessages = new Map<string, string>();
    const ackedAudit = new Map<number, string>();
    for (let run = 0; run < 6; run++) {
      const child = start('crash-writer', home, `run${run}`);
      const target = 5 + Math.floor(Math.random() * 120);
      await child.until((lines) => lines.length >= target);
      child.process.kill('SIGKILL');
      expect(await child.exited).toBe('SIGKILL');
      for (const line of child.lines) {
        const [ack, kind, a = '', b = ''] = line.split(' ');
        if (ack !== 'ack') continue;
        if (kind === 'object') ackedObjects.push(a);
        if (kind === 'message') ackedMessages.set(a, b);
        if (kind === 'audit') ackedAudit.set(Number(a), b);
      }
    }
    expect(ackedObjects.length).toBeGreaterThan(0);

    const store = new FileObjectStore(home);
    for (const key of ackedObjects) {
      const object = await store.get(key);
      expect(Buffer.compare(Buffer.from(object?.body ?? []), Buffer.from(crashBody(key))), key).toBe(0);
    }

    const queue = new SqliteQueue(home);
    const received = new Map<string, string>();
    for (;;) {
      const batch = await queue.receive('crash', { maxMessages: 10, visibilityTimeoutSeconds: 600 });
      if (batch.length === 0) break;
      for (const message of batch) received.set(message.messageId, message.body);
    }
    queue.close();
    for (const [messageId, body] of ackedMessages) expect(received.get(messageId), messageId).toBe(body);

    const verification = await verifyAuditDirectory(home);
    expect(verification).toMatchObject({ ok: true });
    const auditDir = join(home, 'audit');
    const stored = new Map<number, string>();
    for (const name of (await readdir(auditDir)).filter((n) => n.endsWith('.jsonl'))) {
      for (const line of (await readFile(join(auditDir, name), 'utf8')).split('\n').filter(Boolean)) {
        const record = JSON.parse(line) as { seq: number; hash: string };
        stored.set(record.seq, record.hash);
      }
    }
    for (const [seq, hash] of ackedAudit) expect(stored.get(seq), `seq ${seq}`).toBe(hash);

    const sink = new FileAuditSink(home);
    const next = await sink.append({
      time: new Date().toISOString(),
      actor: { type: 'operator', id: 'test' },
      action: 'test.after-crash',
      outcome: 'success',
    });
    sink.close();
    expect(next.seq).toBe(verification.count + 1);
    await expect(verifyAuditDirectory(home)).resolves.toMatchObject({ ok: true, count: next.seq });
  });
});
