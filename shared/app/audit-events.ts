import type { AuditEvent, AuditSink, Clock } from '../ports/index.js';

type Draft = Omit<AuditEvent, 'time'>;

/** Stamps the time from the injected clock; audit writes never carry content by construction. */
export function recordAudit(audit: AuditSink, clock: Clock, event: Draft): Promise<unknown> {
  return audit.append({ time: clock.now().toISOString(), ...event });
}

/** A consumer's share was delivered (as an object and notification, or to its FHIR server). */
export const recordDelivery = (
  audit: AuditSink,
  clock: Clock,
  submissionId: string,
  details: NonNullable<AuditEvent['details']>,
): Promise<unknown> =>
  recordAudit(audit, clock, {
    actor: { type: 'system', id: 'deliver' },
    action: 'delivery',
    outcome: 'success',
    submissionId,
    details,
  });
