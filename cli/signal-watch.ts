import type { PipelineDeps } from '../shared/app/pipeline-deps.js';
import type { QueueDepthProbe } from '../shared/app/signals.js';

/** The embedded queue counts its messages; SQS queues are watched by CloudWatch alarms instead. */
export function queueDepthProbe(queue: PipelineDeps['queue']): QueueDepthProbe | undefined {
  const counting = queue as Partial<{ depth(name: string): { total: number } }>;
  if (typeof counting.depth !== 'function') return undefined;
  return async (name) => counting.depth?.(name).total;
}

/** How often `phi start` re-reads the audit tail and the queues. */
export const SIGNAL_INTERVAL_MS = 15_000;
/** At start, audit signals older than this are history (`phi alerts` lists them), not warnings. */
const START_LOOKBACK_MS = 15 * 60_000;

/**
 * `phi start`'s warnings: each new signal as one `warning: signal …` line on stderr. Returns the
 * function that stops it. `onTick` hears each evaluation's cost (bench and tests).
 */
export async function watchSignals(
  deps: PipelineDeps,
  options: {
    readonly intervalMs?: number;
    readonly write?: (line: string) => void;
    readonly onTick?: (ms: number) => void;
  } = {},
): Promise<() => Promise<void>> {
  const { SignalWatch, describeSignal } = await import('../shared/app/signals.js');
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const depthOf = queueDepthProbe(deps.queue);
  const watch = new SignalWatch(deps, depthOf === undefined ? {} : { depthOf });
  const startedAt = deps.clock.now().getTime();
  let first = true;
  let running: Promise<void> = Promise.resolve();
  const tick = async () => {
    const began = performance.now();
    try {
      for (const signal of await watch.tick()) {
        if (first && signal.key.kind !== 'queue' && Date.parse(signal.time) < startedAt - START_LOOKBACK_MS)
          continue;
        write(`warning: signal ${describeSignal(signal)}\n`);
      }
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      write(`warning: signals not evaluated (${typeof code === 'string' ? code : 'internal'})\n`);
    }
    first = false;
    options.onTick?.(performance.now() - began);
  };
  running = tick();
  const timer = setInterval(() => {
    running = running.then(tick);
  }, options.intervalMs ?? SIGNAL_INTERVAL_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
