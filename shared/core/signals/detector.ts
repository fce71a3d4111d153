import {
  type BaselineRule,
  type CountRule,
  DEFAULT_SIGNAL_RULES,
  type HoursRule,
  matches,
  type QueueRule,
  type SignalRule,
} from './rules.js';
import {
  type QueueStat,
  SIGNAL_SCHEMA_VERSION,
  type Signal,
  type SignalInput,
  type SignalKeyKind,
} from './signal.js';
import { SlidingTimes } from './sliding-times.js';

const HOUR_MS = 3_600_000;

/** One rule's state for one key: its recent times, the codes among them, and when it last fired. */
interface KeyState {
  readonly times: SlidingTimes;
  readonly codes: { time: number; code: string }[];
  lastFired: number;
  /** hours rule: the history's share of this hour, computed once per clock hour (history is weeks long). */
  hourly?: { readonly hourOfEpoch: number; readonly sameHour: number; readonly total: number };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The anomaly detector: pure, fed audit records in chain order and queue readings with the time they
 * were read, so the same records give the same signals whenever they are replayed (`phi alerts`) or
 * tailed (`phi start`). A rule fires when it crosses its threshold and again at most once per window
 * while it stays above it.
 */
export class SignalDetector {
  private readonly state = new Map<string, KeyState>();

  constructor(private readonly rules: readonly SignalRule[] = DEFAULT_SIGNAL_RULES) {}

  /** Signals fired by these records (in chain order), each at the time of the record that fired it. */
  feed(records: Iterable<SignalInput>): Signal[] {
    const fired: Signal[] = [];
    for (const record of records) {
      const time = Date.parse(record.time);
      if (!Number.isFinite(time)) continue;
      for (const rule of this.rules) {
        if (rule.kind === 'queue' || !matches(rule.match, record)) continue;
        const signal =
          rule.kind === 'count'
            ? this.count(rule, record, time)
            : rule.kind === 'baseline'
              ? this.baseline(rule, record, time)
              : this.hours(rule, record, time);
        if (signal !== undefined) fired.push(signal);
      }
    }
    return fired;
  }

  /** Queue rules over readings taken at `now`. */
  queues(stats: readonly QueueStat[], now: Date): Signal[] {
    const fired: Signal[] = [];
    for (const rule of this.rules) {
      if (rule.kind !== 'queue') continue;
      for (const stat of stats) {
        const signal = queueSignal(rule, stat, now);
        if (signal !== undefined) fired.push(signal);
      }
    }
    return fired;
  }

  private stateOf(rule: SignalRule, key: string, keepMs: number): KeyState {
    const id = `${rule.name}\u0000${key}`;
    let state = this.state.get(id);
    if (state === undefined) {
      state = { times: new SlidingTimes(keepMs), codes: [], lastFired: Number.NEGATIVE_INFINITY };
      this.state.set(id, state);
    }
    return state;
  }

  private count(rule: CountRule, record: SignalInput, time: number): Signal | undefined {
    const key = rule.keyBy === 'partner' ? partnerOf(record) : record.sourceIp;
    if (key === undefined || key === '') return undefined;
    const windowMs = rule.windowSeconds * 1000;
    const state = this.stateOf(rule, key, windowMs);
    state.times.add(time);
    state.codes.push({ time, code: record.code ?? '' });
    while ((state.codes[0]?.time ?? time) <= time - windowMs) state.codes.shift();
    const count = state.times.count(time - windowMs, time);
    if (count <= rule.threshold || time - state.lastFired < windowMs) return undefined;
    state.lastFired = time;
    const codes = [...new Set(state.codes.map((c) => c.code).filter(Boolean))].sort();
    return signal(rule, rule.keyBy, key, time, rule.windowSeconds, count, rule.threshold, codes);
  }

  private baseline(rule: BaselineRule, record: SignalInput, time: number): Signal | undefined {
    const partner = partnerOf(record);
    if (partner === undefined) return undefined;
    const windowMs = rule.windowSeconds * 1000;
    const baselineMs = rule.baselineSeconds * 1000;
    const state = this.stateOf(rule, partner, baselineMs);
    state.times.add(time);
    const current = state.times.count(time - windowMs, time);
    const before = state.times.count(time - baselineMs, time - windowMs);
    const perWindow = (before * windowMs) / Math.max(windowMs, baselineMs - windowMs);
    const threshold = Math.max(rule.minCount, Math.ceil(perWindow * rule.factor));
    if (current <= threshold || time - state.lastFired < windowMs) return undefined;
    state.lastFired = time;
    return signal(rule, 'partner', partner, time, rule.windowSeconds, current, threshold);
  }

  private hours(rule: HoursRule, record: SignalInput, time: number): Signal | undefined {
    const partner = partnerOf(record);
    if (partner === undefined) return undefined;
    const windowMs = rule.windowSeconds * 1000;
    const baselineMs = rule.baselineSeconds * 1000;
    const state = this.stateOf(rule, partner, baselineMs);
    const hourOfEpoch = Math.floor(time / HOUR_MS);
    if (state.hourly?.hourOfEpoch !== hourOfEpoch) {
      const history = state.times.between(time - baselineMs, time - windowMs);
      const sameHour = history.filter((t) => Math.floor(t / HOUR_MS) % 24 === hourOfEpoch % 24).length;
      state.hourly = { hourOfEpoch, sameHour, total: history.length };
    }
    state.times.add(time);
    const { sameHour, total } = state.hourly;
    if (total < rule.minHistory || time - state.lastFired < windowMs) return undefined;
    const threshold = Math.floor(total * rule.maxShare);
    if (sameHour > threshold) return undefined;
    state.lastFired = time;
    const inWindow = state.times.count(time - windowMs, time);
    return signal(rule, 'partner', partner, time, rule.windowSeconds, inWindow, threshold);
  }
}

const partnerOf = (record: SignalInput): string | undefined =>
  record.actor.type === 'partner' && record.actor.id !== '' ? record.actor.id : undefined;

function signal(
  rule: SignalRule,
  kind: SignalKeyKind,
  id: string,
  time: number,
  windowSeconds: number,
  count: number,
  threshold: number,
  codes?: readonly string[],
): Signal {
  return {
    v: SIGNAL_SCHEMA_VERSION,
    type: 'signal',
    time: iso(time),
    signal: rule.name,
    severity: rule.severity,
    key: { kind, id },
    window: { from: iso(time - windowSeconds * 1000), to: iso(time), seconds: windowSeconds },
    count,
    threshold,
    ...(codes === undefined || codes.length === 0 ? {} : { codes }),
  };
}

function queueSignal(rule: QueueRule, stat: QueueStat, now: Date): Signal | undefined {
  if (stat.kind !== rule.queues) return undefined;
  const value = rule.measure === 'depth' ? stat.depth : stat.oldestAgeSeconds;
  if (value === undefined || value <= rule.threshold) return undefined;
  return signal(rule, 'queue', stat.queue, now.getTime(), 0, value, rule.threshold);
}
