import type { ChainLine } from '../core/audit/hash-chain.js';
import {
  type QueueStat,
  type Signal,
  SignalDetector,
  type SignalInput,
  type SignalRule,
} from '../core/signals/index.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { queueNames } from './queue-names.js';

/**
 * Anomaly signals over what the pipeline already keeps: the audit chain (every refused request writes
 * one record with its code) and the queues. `phi alerts` replays the whole chain; `phi start` tails it
 * (SignalWatch). Both use the same pure detector (shared/core/signals), so they agree.
 */

/** The fields the detector reads, taken from one chained line; anything else on the line is ignored. */
export function signalInputOf(text: string): (SignalInput & { readonly seq?: number }) | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const r = json as Record<string, unknown>;
  const actor = r.actor as Record<string, unknown> | undefined;
  if (
    typeof r.time !== 'string' ||
    typeof r.action !== 'string' ||
    (r.outcome !== 'success' && r.outcome !== 'failure') ||
    typeof actor?.type !== 'string' ||
    typeof actor.id !== 'string'
  ) {
    return undefined;
  }
  return {
    time: r.time,
    actor: { type: actor.type, id: actor.id },
    action: r.action,
    outcome: r.outcome,
    ...(typeof r.code === 'string' ? { code: r.code } : {}),
    ...(typeof r.sourceIp === 'string' ? { sourceIp: r.sourceIp } : {}),
    ...(typeof r.seq === 'number' ? { seq: r.seq } : {}),
  };
}

/** Message counts of one queue, when the Queue adapter can tell (the embedded one can; SQS via CloudWatch). */
export type QueueDepthProbe = (queue: string) => Promise<number | undefined>;

/**
 * Dead-letter depth and oldest age per DLQ (the DeadLetters port), and each consumer's deliver queue
 * depth when a probe is given. Ids and counts only: no message body is read.
 */
export async function readQueueStats(
  deps: Pick<PipelineDeps, 'deadLetters' | 'contracts' | 'clock'>,
  depthOf?: QueueDepthProbe,
): Promise<QueueStat[]> {
  const now = deps.clock.now().getTime();
  const byQueue = new Map<string, { depth: number; oldest: number }>();
  for (const letter of await deps.deadLetters.list()) {
    const entry = byQueue.get(letter.queue) ?? { depth: 0, oldest: now };
    entry.depth += 1;
    entry.oldest = Math.min(entry.oldest, letter.sentAt);
    byQueue.set(letter.queue, entry);
  }
  const stats: QueueStat[] = [...byQueue].map(([queue, { depth, oldest }]) => ({
    queue,
    kind: 'dead-letter',
    depth,
    oldestAgeSeconds: Math.max(0, Math.floor((now - oldest) / 1000)),
  }));
  if (depthOf !== undefined) {
    for (const { consumer } of await deps.contracts.list()) {
      const queue = queueNames.deliver(consumer);
      const depth = await depthOf(queue);
      if (depth !== undefined) stats.push({ queue, kind: 'deliver', depth });
    }
  }
  return stats.sort((a, b) => a.queue.localeCompare(b.queue));
}

/** Every signal the chain and the current queue readings raise, oldest first, from `since` on. */
export async function listSignals(
  deps: Pick<PipelineDeps, 'auditLog' | 'deadLetters' | 'contracts' | 'clock'>,
  options: {
    readonly since?: Date;
    readonly depthOf?: QueueDepthProbe;
    readonly rules?: readonly SignalRule[];
  } = {},
): Promise<Signal[]> {
  const detector = new SignalDetector(options.rules);
  const inputs = (await deps.auditLog.read()).map((line) => signalInputOf(line.text));
  const fired = [
    ...detector.feed(inputs.filter((i) => i !== undefined)),
    ...detector.queues(await readQueueStats(deps, options.depthOf), deps.clock.now()),
  ];
  const since = options.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  return fired.filter((s) => Date.parse(s.time) >= since);
}

/**
 * `phi start`'s watcher: each tick feeds only the chain lines it has not seen (by position) and reads
 * the queues; a queue signal is reported when it starts, not on every tick while it lasts.
 */
export class SignalWatch {
  private readonly detector: SignalDetector;
  private seen = 0;
  private readonly openQueueSignals = new Set<string>();

  constructor(
    private readonly deps: Pick<PipelineDeps, 'auditLog' | 'deadLetters' | 'contracts' | 'clock'>,
    private readonly options: {
      readonly depthOf?: QueueDepthProbe;
      readonly rules?: readonly SignalRule[];
    } = {},
  ) {
    this.detector = new SignalDetector(options.rules);
  }

  /** New signals since the last tick. The first tick replays the chain so far (baselines need it). */
  async tick(): Promise<Signal[]> {
    const lines: readonly ChainLine[] = await this.deps.auditLog.read();
    const fresh = lines.slice(this.seen);
    this.seen = lines.length;
    const fired = this.detector.feed(
      fresh.map((line) => signalInputOf(line.text)).filter((i) => i !== undefined),
    );
    const queueSignals = this.detector.queues(
      await readQueueStats(this.deps, this.options.depthOf),
      this.deps.clock.now(),
    );
    const open = new Set(queueSignals.map((s) => `${s.signal} ${s.key.id}`));
    for (const signal of queueSignals) {
      if (!this.openQueueSignals.has(`${signal.signal} ${signal.key.id}`)) fired.push(signal);
    }
    this.openQueueSignals.clear();
    for (const id of open) this.openQueueSignals.add(id);
    return fired;
  }
}

/** One line for a terminal: the signal, its key, its count against its threshold, its window. */
export function describeSignal(signal: Signal): string {
  const window = signal.window.seconds === 0 ? 'now' : `in ${signal.window.seconds}s`;
  const codes = signal.codes === undefined ? '' : ` (${signal.codes.join(', ')})`;
  return `${signal.time} ${signal.severity} ${signal.signal} ${signal.key.kind}=${signal.key.id}: ${signal.count} > ${signal.threshold} ${window}${codes}`;
}
