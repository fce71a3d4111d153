import { describe, expect, it } from 'vitest';
import { createProgress, formatBytes, formatDuration } from '../../cli/progress.js';

const MiB = 1024 * 1024;

/** A stream that records writes and a clock the test moves. */
function rig(isTTY: boolean, columns?: number) {
  const writes: string[] = [];
  let t = 1_000_000;
  return {
    stream: { isTTY, ...(columns ? { columns } : {}), write: (s: string) => writes.push(s) },
    writes,
    now: () => t,
    tick: (ms: number) => {
      t += ms;
    },
  };
}

describe('progress on a terminal: one bar, redrawn at most ~10 times a second', () => {
  it('redraws at most every 100 ms however often bytes arrive, and ends with one summary line', () => {
    const r = rig(true);
    const p = createProgress({ label: 'upload export/', total: 100 * MiB, stream: r.stream, now: r.now });
    // 1 000 chunks of 100 KiB, one every 2 ms: 2 s of sending.
    for (let i = 0; i < 1000; i++) {
      r.tick(2);
      p.advance(100 * 1024);
    }
    const redraws = r.writes.length;
    expect(redraws).toBeGreaterThanOrEqual(15);
    expect(redraws).toBeLessThanOrEqual(21);
    for (const w of r.writes) {
      expect(w.startsWith('\r')).toBe(true);
      expect(w.endsWith('\x1b[K')).toBe(true);
      expect(w).not.toContain('\n');
    }
    p.finish();
    const last = r.writes.at(-1) ?? '';
    expect(last).toBe('\rupload export/  sent 98 MiB in 2.0 s (49 MiB/s)\x1b[K\n');
  });

  it('shows bytes sent, rate and time left from the recent rate', () => {
    const r = rig(true);
    const p = createProgress({ label: 'up', total: 1000 * MiB, stream: r.stream, now: r.now });
    // 10 MiB/s for 3 s.
    for (let i = 0; i < 30; i++) {
      r.tick(100);
      p.advance(MiB);
    }
    const bar = r.writes.at(-1) ?? '';
    expect(bar).toContain('[#-------------------]');
    expect(bar).toContain('  3%');
    expect(bar).toContain('30 MiB / 1000 MiB');
    expect(bar).toContain('10 MiB/s');
    // 970 MiB left at 10 MiB/s.
    expect(bar).toContain('1:37 left');
    // The link slows to 1 MiB/s: after the 5 s window, time left follows the present rate (962 MiB left).
    for (let i = 0; i < 80; i++) {
      r.tick(100);
      p.advance(MiB / 10);
    }
    expect(r.writes.at(-1)).toContain('1.0 MiB/s');
    expect(r.writes.at(-1)).toMatch(/16:0\d left/);
  });

  it('a retry rewinds the bar, and the bar never runs past the width of the terminal', () => {
    const r = rig(true, 100);
    const p = createProgress({
      label: 'upload x/',
      total: 10 * MiB,
      stream: r.stream,
      now: r.now,
    });
    r.tick(200);
    p.advance(6 * MiB);
    expect(r.writes.at(-1)).toContain('[############--------]');
    r.tick(200);
    p.advance(-6 * MiB);
    r.tick(200);
    p.advance(MiB);
    for (const w of r.writes) expect(w.replace('\r', '').replace('\x1b[K', '').length).toBeLessThan(100);
    const narrow = rig(true, 40);
    const q = createProgress({
      label: 'upload a-rather-long-folder-name/',
      total: 10 * MiB,
      stream: narrow.stream,
      now: narrow.now,
    });
    narrow.tick(200);
    q.advance(6 * MiB);
    expect(narrow.writes.at(-1)).toBe('\rupload a-rather-long-folder-name/   60%\x1b[K');
    p.finish('failed');
    expect(r.writes.at(-1)).toContain('stopped at 1.0 MiB');
  });
});

describe('progress on a narrow terminal', () => {
  it('shortens a long label from the left (keeping the verb and the file name) before it drops the bar', () => {
    const r = rig(true, 110);
    const label = 'upload /home/someone/exports/2026-12-01/bulk-export-run-7/Observation.ndjson';
    const p = createProgress({ label, total: 10 * MiB, stream: r.stream, now: r.now });
    r.tick(500);
    p.advance(5 * MiB);
    const text = (r.writes.at(-1) ?? '').replace('\r', '').replace('\u001b[K', '');
    expect(text.length).toBeLessThan(110);
    expect(text).toMatch(/^upload …[^ ]*\/Observation\.ndjson {2}\[#{10}-{10}\] +50%/);
    // Far narrower: the bar goes, then the end of the line.
    const n = rig(true, 30);
    const q = createProgress({ label, total: 10 * MiB, stream: n.stream, now: n.now });
    n.tick(500);
    q.advance(5 * MiB);
    const narrow = (n.writes.at(-1) ?? '').replace('\r', '').replace('\u001b[K', '');
    expect(narrow.length).toBe(29);
    expect(narrow).not.toContain('[');
  });
});

describe('progress without a terminal: plain lines a log keeps', () => {
  it('writes a line at each 10% step and none in between, then a summary', () => {
    const r = rig(false);
    const p = createProgress({ label: 'upload big.ndjson', total: 200 * MiB, stream: r.stream, now: r.now });
    for (let i = 0; i < 200; i++) {
      r.tick(10);
      p.advance(MiB);
    }
    p.finish();
    const lines = r.writes.join('').split('\n').filter(Boolean);
    // 0%, 10%, …, 90%, then the summary: 11 lines for 200 chunks.
    expect(lines).toHaveLength(11);
    expect(lines.slice(0, 10).map((l) => /(\d+)%/.exec(l)?.[1])).toEqual([
      '0',
      '10',
      '20',
      '30',
      '40',
      '50',
      '60',
      '70',
      '80',
      '90',
    ]);
    expect(lines.every((l) => !l.includes('\r') && !l.includes('\x1b'))).toBe(true);
    expect(lines[10]).toBe('upload big.ndjson  sent 200 MiB in 2.0 s (100 MiB/s)');
  });

  it('on a slow link, also a line every few seconds within one step', () => {
    const r = rig(false);
    const p = createProgress({
      label: 'u',
      total: 1000 * MiB,
      stream: r.stream,
      now: r.now,
      plainEveryMs: 5_000,
    });
    // 30 s at 1 MiB/s: only 3% of the file, so no step is crossed after 0%.
    for (let i = 0; i < 300; i++) {
      r.tick(100);
      p.advance(MiB / 10);
    }
    const lines = r.writes.join('').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(6);
    expect(lines.length).toBeLessThanOrEqual(8);
  });
});

describe('units', () => {
  it('formats sizes in binary units and durations as a clock', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(4 * MiB)).toBe('4.0 MiB');
    expect(formatBytes(1024 * 1024 * 1024)).toBe('1.0 GiB');
    expect(formatDuration(3.25)).toBe('3.3 s');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('--:--');
  });
});
