import { PipelineError } from '../core/errors.js';
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

/** What the audit record of a refused request says besides its actor and code. */
export interface RefusalAudit {
  readonly action: string;
  readonly requestId: string;
  readonly sourceIp: string;
  readonly details?: NonNullable<AuditEvent['details']>;
}

/**
 * Runs a partner request; when it fails, writes exactly one `failure` audit record carrying the error's
 * code (`internal` for anything uncoded) and rethrows. `identify` names the partner once it is known;
 * until then the actor is anonymous. Success records are the request's own business.
 */
export async function auditRefusal<T>(
  audit: AuditSink,
  clock: Clock,
  refusal: RefusalAudit,
  work: (identify: (partnerId: string | undefined) => void) => Promise<T>,
): Promise<T> {
  let partnerId: string | undefined;
  try {
    return await work((id) => {
      partnerId = id;
    });
  } catch (error) {
    // A governance refusal's reason (e.g. `baa-expired`) is for the operator: the log, never the wire.
    const reason = error instanceof PipelineError ? error.details?.reason : undefined;
    const details = typeof reason === 'string' ? { ...refusal.details, reason } : refusal.details;
    // A partner refused after it authenticated (partner-not-authorized) is named by the refusal itself.
    const refused = error instanceof PipelineError ? error.details?.partner : undefined;
    partnerId ??= typeof refused === 'string' ? refused : undefined;
    await recordAudit(audit, clock, {
      actor: partnerId ? { type: 'partner', id: partnerId } : { type: 'anonymous', id: 'unknown' },
      action: refusal.action,
      outcome: 'failure',
      code: error instanceof PipelineError ? error.code : 'internal',
      requestId: refusal.requestId,
      sourceIp: refusal.sourceIp,
      ...(details === undefined ? {} : { details }),
    });
    throw error;
  }
}
