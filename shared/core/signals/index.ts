export { SignalDetector } from './detector.js';
export { SIGNAL_METRICS, type SignalMetric, SUBMISSION_ROUTES, signalMetricOf } from './metrics.js';
export {
  AUTH_FAILURE_CODES,
  type BaselineRule,
  type CountRule,
  DEFAULT_SIGNAL_RULES,
  type HoursRule,
  matches,
  type QueueRule,
  type RecordMatch,
  type SignalRule,
} from './rules.js';
export {
  type QueueStat,
  SIGNAL_SCHEMA_VERSION,
  type Signal,
  type SignalInput,
  type SignalKeyKind,
  type SignalSeverity,
} from './signal.js';
