/** Where progress goes: stderr in the CLI, a buffer in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressOptions {
  /** What moves, e.g. `upload Patient/ (12 files)`; a path the user typed, never file content. */
  readonly label: string;
  readonly total: number;
  readonly stream: ProgressStream;
  /** Milliseconds; injected by tests. */
  readonly now?: () => number;
  /** Bar redraw interval on a terminal: at most ~10 redraws a second. */
  readonly redrawMs?: number;
  /** The summary's verb: `sent` for an upload, `read` for the digest pass. */
  readonly doneWord?: string;
  /** Without a terminal: a line at every 10% step, or after this long without one. */
  readonly plainEveryMs?: number;
}

export interface Progress {
  /** Bytes moved since the last call; negative when a retry starts a file over. */
  advance(bytes: number): void;
  /** Final line: total, time taken, mean rate. */
  finish(outcome?: 'done' | 'failed'): void;
}

const BAR_WIDTH = 20;

/**
 * A byte progress display: on a terminal one redrawn bar (bytes sent, rate, time left); otherwise plain
 * lines a log can keep (every 10% or every few seconds), so CI output stays readable.
 */
export function createProgress(opts: ProgressOptions): Progress {
  const now = opts.now ?? Date.now;
  const tty = opts.stream.isTTY === true;
  const redrawMs = opts.redrawMs ?? 100;
  const plainEveryMs = opts.plainEveryMs ?? 5_000;
  const total = Math.max(0, opts.total);
  const started = now();
  const rate = new RateWindow(started);
  let done = 0;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastStep = -1;
  let finished = false;

  const line = (at: number, withBar = tty, label = opts.label): string => {
    const share = total === 0 ? 1 : Math.min(1, done / total);
    const bytesPerSecond = rate.perSecond(at);
    const left = bytesPerSecond > 0 ? (total - done) / bytesPerSecond : Number.NaN;
    return [
      label,
      withBar ? bar(share) : '',
      `${Math.floor(share * 100)
        .toString()
        .padStart(3)}%`,
      `${formatBytes(done)} / ${formatBytes(total)}`,
      `${formatBytes(bytesPerSecond)}/s`,
      done >= total ? '' : `${formatDuration(left)} left`,
    ]
      .filter(Boolean)
      .join('  ');
  };

  const draw = (at: number) => {
    lastDraw = at;
    if (tty) {
      // A wrapped line would not redraw: a narrow terminal shortens the label (keeping its end, the
      // file's name), then loses the bar, then the end of the line.
      const width = opts.stream.columns ?? 0;
      let text = line(at);
      if (width > 1 && text.length >= width) {
        const room = opts.label.length - (text.length - (width - 1));
        text = room >= MIN_LABEL ? line(at, true, ellipsize(opts.label, room)) : line(at, false);
        if (text.length >= width) text = text.slice(0, width - 1);
      }
      opts.stream.write(`\r${text}\x1b[K`);
    } else {
      opts.stream.write(`${line(at)}\n`);
    }
  };

  return {
    advance(bytes) {
      if (finished) return;
      done = Math.max(0, done + bytes);
      const at = now();
      rate.add(at, done);
      if (tty) {
        if (at - lastDraw >= redrawMs) draw(at);
        return;
      }
      const step = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (step > lastStep || at - lastDraw >= plainEveryMs) {
        lastStep = Math.max(lastStep, step);
        if (step < 10) draw(at);
      }
    },
    finish(outcome = 'done') {
      if (finished) return;
      finished = true;
      const seconds = Math.max(0.001, (now() - started) / 1000);
      const summary = `${opts.label}  ${outcome === 'done' ? (opts.doneWord ?? 'sent') : 'stopped at'} ${formatBytes(done)} in ${formatDuration(seconds)} (${formatBytes(done / seconds)}/s)`;
      opts.stream.write(tty ? `\r${summary}\x1b[K\n` : `${summary}\n`);
    },
  };
}

/** The rate over the last few seconds, so time left follows the link's present speed. */
class RateWindow {
  private readonly samples: { at: number; done: number }[];
  constructor(
    start: number,
    private readonly spanMs = 5_000,
  ) {
    this.samples = [{ at: start, done: 0 }];
  }
  add(at: number, done: number): void {
    const last = this.samples[this.samples.length - 1];
    // One sample per 100 ms is plenty and keeps the window small whatever the chunk size.
    if (last && at - last.at < 100 && this.samples.length > 1) {
      last.done = done;
      return;
    }
    this.samples.push({ at, done });
    while (this.samples.length > 2 && at - (this.samples[1]?.at ?? at) > this.spanMs) this.samples.shift();
  }
  perSecond(at: number): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last) return 0;
    const ms = Math.max(at, last.at) - first.at;
    return ms > 0 ? Math.max(0, ((last.done - first.done) / ms) * 1000) : 0;
  }
}

/** The shortest label kept beside a bar; below it the bar goes instead. */
const MIN_LABEL = 16;

/** `upload …/exports/2026-12/Observation.ndjson`: the start of the label, then the end of the path. */
function ellipsize(label: string, room: number): string {
  const space = label.indexOf(' ');
  const verb = space > 0 && space < room / 2 ? label.slice(0, space + 1) : '';
  const keep = room - verb.length - 1;
  return `${verb}…${label.slice(label.length - keep)}`;
}

function bar(share: number): string {
  const full = Math.round(share * BAR_WIDTH);
  return `[${'#'.repeat(full)}${'-'.repeat(BAR_WIDTH - full)}]`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → `1.5 KiB`; binary units, as the documented limits (4 MiB, 5 MiB) are. */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** 75 → `1:15`, 3725 → `1:02:05`; `--:--` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
