import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyAuditDirectory } from '../../shared/adapters/embedded/audit-files.js';
import { FileAuditSink } from '../../shared/adapters/embedded/file-audit-sink.js';
import { auditEvent } from '../contract/audit-sink.contract.js';

// Every append the sink makes (a file opened for append is one write and one fsync), counted.
const appends = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof real.open = (path, flags, mode) => {
    if (flags === 'a') appends.count += 1;
    return real.open(path, flags, mode);
  };
  return { ...real, default: { ...real, open }, open };
});

describe('FileAuditSink: appends that wait share one write and one fsync', () => {
  let home: string;
  let sink: FileAuditSink;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'phi-audit-group-'));
    sink = new FileAuditSink(home);
    appends.count = 0;
  });
  afterEach(async () => {
    sink.close();
    await rm(home, { recursive: true, force: true });
  });

  it('chains 30 concurrent appends in call order with at most two appends to the file', async () => {
    const records = await Promise.all(
      Array.from({ length: 30 }, (_, i) => sink.append(auditEvent({ requestId: `req-${i}` }))),
    );
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(records.map((r) => r.requestId)).toEqual(Array.from({ length: 30 }, (_, i) => `req-${i}`));
    for (let i = 1; i < records.length; i++) expect(records[i]?.prev).toBe(records[i - 1]?.hash);
    // The first starts a write at once; the 29 that arrive meanwhile go together in the next.
    expect(appends.count).toBeLessThanOrEqual(2);
    await expect(verifyAuditDirectory(home)).resolves.toMatchObject({ ok: true, count: 30 });

    // One at a time: an append each, as before.
    appends.count = 0;
    for (let i = 0; i < 3; i++) await sink.append(auditEvent({ requestId: `seq-${i}` }));
    expect(appends.count).toBe(3);
    await expect(verifyAuditDirectory(home)).resolves.toMatchObject({ ok: true, count: 33 });
  });

  it('splits a batch across day files without ever writing into a file older than the newest', async () => {
    const days = ['2026-08-01', '2026-08-01', '2026-08-02', '2026-08-01', '2026-08-03', '2026-08-02'];
    const records = await Promise.all(
      days.map((day, i) => sink.append(auditEvent({ time: `${day}T12:00:00.000Z`, requestId: `d-${i}` }))),
    );
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const dir = join(home, 'audit');
    const files = (await readdir(dir)).filter((n) => n.endsWith('.jsonl')).sort();
    expect(files).toEqual(['2026-08-01.jsonl', '2026-08-02.jsonl', '2026-08-03.jsonl']);
    const ids = async (f: string) =>
      (await readFile(join(dir, f), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { requestId: string }).requestId);
    expect(await ids('2026-08-01.jsonl')).toEqual(['d-0', 'd-1']);
    expect(await ids('2026-08-02.jsonl')).toEqual(['d-2', 'd-3']);
    expect(await ids('2026-08-03.jsonl')).toEqual(['d-4', 'd-5']);
    await expect(verifyAuditDirectory(home)).resolves.toMatchObject({ ok: true, count: 6 });
  });

  it('refuses an invalid event alone; the others of its turn are written', async () => {
    const results = await Promise.allSettled([
      sink.append(auditEvent({ requestId: 'ok-1' })),
      sink.append({ ...auditEvent(), time: 'yesterday' }),
      sink.append(auditEvent({ requestId: 'ok-2' })),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await expect(verifyAuditDirectory(home)).resolves.toMatchObject({ ok: true, count: 2 });
  });
});
