import { AUTH_FAILURE_CODES } from './rules.js';

/**
 * CloudWatch metric names (namespace PhiPipeline, EMF through Powertools) behind the anomaly alarms of
 * deploy/observability.cjs. The only dimension is `service`: no partner id and no source address, so
 * the number of metrics (and their cost) does not grow with partners or attackers; per-partner and
 * per-address signals come from the audit records (`phi alerts`, the SIEM stream). docs/alarms.md.
 */
export const SIGNAL_METRICS = {
  authFailures: 'authFailures',
  signatureFailures: 'signatureFailures',
  digestFailures: 'digestFailures',
  submissionsAccepted: 'submissionsAccepted',
} as const;

export type SignalMetric = (typeof SIGNAL_METRICS)[keyof typeof SIGNAL_METRICS];

const AUTH: ReadonlySet<string> = new Set(AUTH_FAILURE_CODES);

/** The anomaly metric a refusal's code counts towards, if any. */
export function signalMetricOf(code: string): SignalMetric | undefined {
  if (AUTH.has(code)) return SIGNAL_METRICS.authFailures;
  if (code.startsWith('signature-')) return SIGNAL_METRICS.signatureFailures;
  if (code.startsWith('digest-')) return SIGNAL_METRICS.digestFailures;
  return undefined;
}

/** Routes whose 202 is an accepted submission (the volume the anomaly band watches). */
export const SUBMISSION_ROUTES: ReadonlySet<string> = new Set([
  'POST /v1/bundles',
  'POST /v1/claims',
  'POST /v1/uploads',
]);
