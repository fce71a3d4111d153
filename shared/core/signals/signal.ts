/**
 * A signal: one anomaly rule firing for one key over one window. The JSON-lines shape of `phi alerts
 * --json` and `phi siem export` (docs/siem.md, version 1). Ids, codes, counts and windows only: a
 * signal never carries a submitted value, so it never carries PHI.
 */
export const SIGNAL_SCHEMA_VERSION = 1;

export type SignalSeverity = 'warning' | 'critical';

/** What a signal counts per: a partner id, a partner system's source address, or a queue name. */
export type SignalKeyKind = 'partner' | 'sourceIp' | 'queue';

export interface Signal {
  readonly v: typeof SIGNAL_SCHEMA_VERSION;
  readonly type: 'signal';
  /** When the rule crossed its threshold (the record or the evaluation that made it fire). */
  readonly time: string;
  /** The rule's name (docs/alarms.md lists them). */
  readonly signal: string;
  readonly severity: SignalSeverity;
  readonly key: { readonly kind: SignalKeyKind; readonly id: string };
  /** The window counted; for queue signals `seconds` is 0 (a point-in-time reading). */
  readonly window: { readonly from: string; readonly to: string; readonly seconds: number };
  /** Events in the window (or messages, or seconds of age for the age rules). */
  readonly count: number;
  /** The value the count had to exceed (for volume-spike: the baseline times the rule's factor). */
  readonly threshold: number;
  /** The audit codes counted, sorted, when the rule counts codes. */
  readonly codes?: readonly string[];
}

/** The audit fields the detector reads: never details, never anything submitted. */
export interface SignalInput {
  readonly time: string;
  readonly actor: { readonly type: string; readonly id: string };
  readonly action: string;
  readonly outcome: 'success' | 'failure';
  readonly code?: string;
  readonly sourceIp?: string;
}

/** A queue reading: a dead-letter queue, a consumer's deliver queue, or another work queue. */
export interface QueueStat {
  readonly queue: string;
  readonly kind: 'dead-letter' | 'deliver' | 'work';
  readonly depth: number;
  /** Age of the oldest message in seconds, when the queue reports it. */
  readonly oldestAgeSeconds?: number;
}
