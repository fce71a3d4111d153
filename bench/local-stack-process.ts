import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../local/package-root.js';
import type { KeyPortCounts } from './key-port-counter.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const BENCH_ONLY = new Set(['PHI_CORPUS_DIR', 'PHI_X12_CORPUS', 'BENCH_STACK_NODE_OPTIONS']);
const counterModule = fileURLToPath(new URL('./key-port-counter.js', import.meta.url));
const countersDir = (home: string): string => path.join(home, 'bench-key-port');

/**
 * What `npm start` gives `phi start` (package.json's start script): the environment it sets (glibc
 * malloc settings) and the node options (V8 heap bounds), see docs/streaming.md "Memory", so the
 * stack is measured as users run it.
 */
export function startScript(): { env: Record<string, string>; nodeOptions: string[] } {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {
    scripts?: { start?: string };
  };
  const words = (pkg.scripts?.start ?? '').split(/\s+/);
  const node = words.indexOf('node');
  const entry = words.indexOf('dist/bin/phi.js');
  const env = Object.fromEntries(
    words
      .slice(0, Math.max(0, node))
      .map((w) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(w))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] ?? '', m[2] ?? '']),
  );
  const nodeOptions =
    node >= 0 && entry > node ? words.slice(node + 1, entry).filter((w) => w.startsWith('--')) : [];
  return { env, nodeOptions };
}

/**
 * `phi start` in a child process, exactly as a user runs it (`npm start`, with its node options) (workers on unless `env` says otherwise),
 * so the load generator's own CPU work does not share its event loop. The key-port counter is
 * preloaded (inherited by worker threads); the rate limiter is opened so the bench measures the stack.
 */
export async function startStackProcess(
  home: string,
  port: number,
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  mkdirSync(countersDir(home), { recursive: true });
  const start = startScript();
  const child = spawn(
    process.execPath,
    [...start.nodeOptions, '--import', counterModule, path.join(packageRoot(), 'dist/bin/phi.js'), 'start'],
    {
      env: {
        // The bench's own settings (corpus folders) are not the stack's: its config refuses unknown PHI_ names.
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !BENCH_ONLY.has(k))),
        ...start.env,
        PHI_HOME: home,
        PORT: String(port),
        PHI_RATE_LIMIT_RPS: '1000000',
        PHI_RATE_LIMIT_BURST: '1000000',
        POWERTOOLS_LOG_LEVEL: 'WARN',
        BENCH_KEY_PORT_DIR: countersDir(home),
        // Node options for the stack alone (not this process), e.g. V8 heap flags to compare.
        ...(process.env.BENCH_STACK_NODE_OPTIONS === undefined
          ? {}
          : { NODE_OPTIONS: process.env.BENCH_STACK_NODE_OPTIONS }),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  tallyDeadLetters(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`stack exited with ${code}`)));
  });
  child.stdout?.resume();
  return child;
}

const deadLetterTallies = new WeakMap<ChildProcess, Map<string, number>>();

/**
 * The stack's log on stderr, read as it comes: each `dead-lettered` record is counted by queue and
 * error code (the report says what failed, not only that something did); other lines pass through.
 */
function tallyDeadLetters(child: ChildProcess): void {
  const tally = new Map<string, number>();
  deadLetterTallies.set(child, tally);
  let carry = '';
  child.stderr?.on('data', (d: Buffer) => {
    const lines = (carry + d.toString()).split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) {
      let record: { message?: unknown; queue?: unknown; errorCode?: unknown } | undefined;
      try {
        record = line.startsWith('{') ? (JSON.parse(line) as typeof record) : undefined;
      } catch {
        record = undefined;
      }
      if (record?.message === 'dead-lettered') {
        const key = `${String(record.queue)}: ${String(record.errorCode)}`;
        tally.set(key, (tally.get(key) ?? 0) + 1);
      } else process.stderr.write(`stack: ${line}\n`);
    }
  });
}

/** Dead-lettered messages so far, by `queue: error code`. */
export const deadLetters = (child: ChildProcess): Map<string, number> =>
  new Map(deadLetterTallies.get(child) ?? []);

export function deadLettersSince(child: ChildProcess, before: Map<string, number>): string {
  const now = deadLetters(child);
  const parts = [...now]
    .map(([k, n]) => [k, n - (before.get(k) ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ×${n}`);
  return parts.join(', ');
}

export async function stopStackProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** The key-port counts of every process and thread of the stack so far (summed). */
export function keyPortCounts(home: string): KeyPortCounts {
  const sum: KeyPortCounts = { materials: 0, dataKeysGenerated: 0, dataKeysUnwrapped: 0, opaqueMaterials: 0 };
  for (const file of readdirSync(countersDir(home))) {
    try {
      const c = JSON.parse(readFileSync(path.join(countersDir(home), file), 'utf8')) as KeyPortCounts;
      sum.materials += c.materials;
      sum.dataKeysGenerated += c.dataKeysGenerated;
      sum.dataKeysUnwrapped += c.dataKeysUnwrapped;
      sum.opaqueMaterials += c.opaqueMaterials;
    } catch {
      // A file being rewritten; the next read sees it.
    }
  }
  return sum;
}

export const diffCounts = (after: KeyPortCounts, before: KeyPortCounts): KeyPortCounts => ({
  materials: after.materials - before.materials,
  dataKeysGenerated: after.dataKeysGenerated - before.dataKeysGenerated,
  dataKeysUnwrapped: after.dataKeysUnwrapped - before.dataKeysUnwrapped,
  opaqueMaterials: after.opaqueMaterials - before.opaqueMaterials,
});

function statusKb(pid: number, field: string): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] === undefined ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}

/** The pid and every descendant process (worker processes, if the stack starts any). */
function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const p = out[i] as number;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        for (const c of readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim().split(/\s+/)) {
          if (c !== '') out.push(Number(c));
        }
      } catch {
        // the thread ended
      }
    }
  }
  return out;
}

export interface RssSampler {
  /** Highest summed RSS of the stack's processes seen since the last `reset`, MiB. */
  peakMiB(): number;
  reset(): void;
  stop(): void;
}

/** Samples the resident set of the stack (its process tree) every `everyMs`; threads share their process's RSS. */
export function sampleRss(pid: number | undefined, everyMs = 100): RssSampler {
  let peakKb = 0;
  const sample = () => {
    if (pid === undefined) return;
    const kb = processTree(pid).reduce((n, p) => n + statusKb(p, 'VmRSS'), 0);
    peakKb = Math.max(peakKb, kb);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    peakMiB: () => {
      sample();
      return peakKb / 1024;
    },
    reset: () => {
      peakKb = 0;
      sample();
    },
    stop: () => clearInterval(timer),
  };
}
