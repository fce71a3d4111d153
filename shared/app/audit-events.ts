import type { AuditEvent, AuditSink, Clock } from '../ports/index.js';

type Draft = Omit<AuditEvent, 'time'>;

/** Stamps the time from the injected clock; audit writes never carry content by construction. */
export function recordAudit(audit: AuditSink, clock: Clock, event: Draft): Promise<unknown> {
  return audit.append({ time: clock.now().toISOString(), ...event });
}
