import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** Directory fsyncs, in order, each held until the test lets it finish. */
const syncs: { dir: string; started: number; release: () => void }[] = [];
let holdSyncs = false;
let tick = 0;

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open = async (...args: Parameters<typeof real.open>) => {
    const handle = await real.open(...args);
    if (args[1] === 'r') {
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        const released = new Promise<void>((resolve) => {
          syncs.push({ dir: String(args[0]), started: ++tick, release: resolve });
          if (!holdSyncs) resolve();
        });
        await released;
        await sync();
      };
    }
    return handle;
  };
  return { ...real, default: { ...real, open }, open };
});

const { ensureDirectory, fsyncDirectory, writeFileDurably } = await import(
  '../../shared/adapters/embedded/durable-fs.js'
);

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('durable-fs: directory fsyncs of one moment are shared', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'phi-durable-'));
    syncs.length = 0;
    holdSyncs = false;
  });
  afterEach(async () => {
    holdSyncs = false;
    for (const s of syncs) s.release();
    await rm(home, { recursive: true, force: true });
  });

  it('answers concurrent callers with at most two fsyncs, sequential callers with one each', async () => {
    await Promise.all(Array.from({ length: 10 }, () => fsyncDirectory(home)));
    expect(syncs.length).toBe(2);
    syncs.length = 0;
    for (let i = 0; i < 3; i++) await fsyncDirectory(home);
    expect(syncs.length).toBe(3);
  });

  it('never answers a caller with an fsync that started before it called', async () => {
    holdSyncs = true;
    const order: string[] = [];
    const first = fsyncDirectory(home).then(() => order.push('first'));
    await settle();
    expect(syncs.length).toBe(1);
    // Called while the first fsync runs: its entry may not be in that one.
    const late = fsyncDirectory(home).then(() => order.push('late'));
    const later = fsyncDirectory(home).then(() => order.push('later'));
    syncs[0]?.release();
    await first;
    await settle();
    expect(order).toEqual(['first']);
    expect(syncs.length).toBe(2);
    syncs[1]?.release();
    await Promise.all([late, later]);
    expect(order).toEqual(['first', 'late', 'later']);
  });

  it('keeps directories apart, and a failed fsync fails only its own callers', async () => {
    const other = join(home, 'other');
    await ensureDirectory(other);
    syncs.length = 0;
    await Promise.all([fsyncDirectory(home), fsyncDirectory(other)]);
    expect(syncs.map((s) => s.dir).sort()).toEqual([home, other].sort());
    await expect(fsyncDirectory(join(home, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    await fsyncDirectory(home);
  });

  it('writes concurrent files into one directory with one fsync of each file and few of the directory', async () => {
    const dir = join(home, 'a', 'b');
    const written = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        writeFileDurably(join(dir, `f${i}.json`), Buffer.from(`{"i":${i}}`), { ifAbsent: i % 2 === 0 }),
      ),
    );
    expect(written.every((w) => w.created)).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `f${i}.json`).sort());
    expect(await readFile(join(dir, 'f7.json'), 'utf8')).toBe('{"i":7}');
    // One each (21 for the file directory, new at first) would be the ungrouped count; how many rounds
    // the links fall into depends on timing, so the bound is loose.
    expect(syncs.filter((s) => s.dir === dir).length).toBeLessThanOrEqual(10);
  });

  it('makes a directory again when it was removed after it was known', async () => {
    const dir = join(home, 'gone');
    await writeFileDurably(join(dir, 'x'), Buffer.from('1'));
    await rm(dir, { recursive: true });
    await writeFileDurably(join(dir, 'y'), Buffer.from('2'));
    expect(await readFile(join(dir, 'y'), 'utf8')).toBe('2');
  });

  it('leaves no temp file behind, replaced or linked, created or not', async () => {
    const dir = join(home, 'clean');
    await writeFileDurably(join(dir, 'r'), Buffer.from('1'));
    await writeFileDurably(join(dir, 'r'), Buffer.from('2'));
    expect(await writeFileDurably(join(dir, 'l'), Buffer.from('1'), { ifAbsent: true })).toEqual({
      created: true,
    });
    expect(await writeFileDurably(join(dir, 'l'), Buffer.from('2'), { ifAbsent: true })).toEqual({
      created: false,
    });
    expect((await readdir(dir)).sort()).toEqual(['l', 'r']);
    expect(await readFile(join(dir, 'r'), 'utf8')).toBe('2');
    expect(await readFile(join(dir, 'l'), 'utf8')).toBe('1');
  });
});
