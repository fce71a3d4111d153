import type { SignalSeverity } from './signal.js';

/**
 * The anomaly rules as data: `phi start`, `phi alerts` and the tests all read these, and
 * docs/alarms.md maps each to its CloudWatch alarm. Thresholds are deliberately plain numbers.
 */

/** Which audit records a rule counts: failures with one of these codes, or records of these actions. */
export interface RecordMatch {
  readonly outcome: 'success' | 'failure';
  readonly codes?: readonly string[];
  readonly codePrefixes?: readonly string[];
  readonly actions?: readonly string[];
}

/** More than `threshold` matching records for one key within `windowSeconds`. */
export interface CountRule {
  readonly kind: 'count';
  readonly name: string;
  readonly severity: SignalSeverity;
  readonly match: RecordMatch;
  readonly keyBy: 'partner' | 'sourceIp';
  readonly windowSeconds: number;
  readonly threshold: number;
}

/**
 * A partner's matching records in the last `windowSeconds` exceed `factor` times its own average per
 * window over the `baselineSeconds` before it (at least `minCount`, so a quiet partner's first burst of
 * three files is not a spike).
 */
export interface BaselineRule {
  readonly kind: 'baseline';
  readonly name: string;
  readonly severity: SignalSeverity;
  readonly match: RecordMatch;
  readonly windowSeconds: number;
  readonly baselineSeconds: number;
  readonly factor: number;
  readonly minCount: number;
}

/**
 * A partner submits in a UTC hour that held less than `maxShare` of its submissions over the
 * `baselineSeconds` before (once it has `minHistory` of them: no history, no usual hours).
 */
export interface HoursRule {
  readonly kind: 'hours';
  readonly name: string;
  readonly severity: SignalSeverity;
  readonly match: RecordMatch;
  readonly windowSeconds: number;
  readonly baselineSeconds: number;
  readonly minHistory: number;
  readonly maxShare: number;
}

/** A queue reading above `threshold`: depth in messages, or age of the oldest in seconds. */
export interface QueueRule {
  readonly kind: 'queue';
  readonly name: string;
  readonly severity: SignalSeverity;
  readonly queues: 'dead-letter' | 'deliver';
  readonly measure: 'depth' | 'age';
  readonly threshold: number;
}

export type SignalRule = CountRule | BaselineRule | HoursRule | QueueRule;

export const AUTH_FAILURE_CODES = [
  'unauthenticated',
  'insufficient-scope',
  'partner-not-authorized',
  'invalid_client',
] as const;

const authFailures: RecordMatch = { outcome: 'failure', codes: AUTH_FAILURE_CODES };
const accepted: RecordMatch = { outcome: 'success', actions: ['submission.accepted'] };
const HOUR = 3600;
const DAY = 24 * HOUR;

export const DEFAULT_SIGNAL_RULES: readonly SignalRule[] = [
  {
    kind: 'count',
    name: 'auth-failures-partner',
    severity: 'warning',
    match: authFailures,
    keyBy: 'partner',
    windowSeconds: 300,
    threshold: 5,
  },
  {
    kind: 'count',
    name: 'auth-failures-source-ip',
    severity: 'warning',
    match: authFailures,
    keyBy: 'sourceIp',
    windowSeconds: 300,
    threshold: 10,
  },
  {
    kind: 'count',
    name: 'signature-failures',
    severity: 'warning',
    match: { outcome: 'failure', codePrefixes: ['signature-'] },
    keyBy: 'partner',
    windowSeconds: 300,
    threshold: 3,
  },
  {
    kind: 'count',
    name: 'digest-failures',
    severity: 'warning',
    match: { outcome: 'failure', codePrefixes: ['digest-'] },
    keyBy: 'partner',
    windowSeconds: 300,
    threshold: 3,
  },
  {
    kind: 'baseline',
    name: 'volume-spike',
    severity: 'warning',
    match: accepted,
    windowSeconds: 300,
    baselineSeconds: 7 * DAY,
    factor: 10,
    minCount: 100,
  },
  {
    kind: 'hours',
    name: 'off-hours',
    severity: 'warning',
    match: accepted,
    windowSeconds: HOUR,
    baselineSeconds: 14 * DAY,
    minHistory: 200,
    maxShare: 0.01,
  },
  {
    kind: 'queue',
    name: 'dlq-depth',
    severity: 'critical',
    queues: 'dead-letter',
    measure: 'depth',
    threshold: 0,
  },
  {
    kind: 'queue',
    name: 'dlq-age',
    severity: 'critical',
    queues: 'dead-letter',
    measure: 'age',
    threshold: DAY,
  },
  {
    kind: 'queue',
    name: 'consumer-lag-depth',
    severity: 'warning',
    queues: 'deliver',
    measure: 'depth',
    threshold: 1000,
  },
  {
    kind: 'queue',
    name: 'consumer-lag-age',
    severity: 'warning',
    queues: 'deliver',
    measure: 'age',
    threshold: 900,
  },
];

/** True when a record is one a rule counts. */
export function matches(
  match: RecordMatch,
  record: { outcome: string; code?: string; action: string },
): boolean {
  if (record.outcome !== match.outcome) return false;
  if (match.actions !== undefined && !match.actions.includes(record.action)) return false;
  if (match.codes === undefined && match.codePrefixes === undefined) return true;
  const code = record.code ?? '';
  return (
    (match.codes?.includes(code) ?? false) || (match.codePrefixes?.some((p) => code.startsWith(p)) ?? false)
  );
}
