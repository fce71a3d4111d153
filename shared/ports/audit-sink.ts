import type { AuditEvent, AuditRecord } from '../core/audit/audit-event.js';

export type { AuditEvent, AuditRecord };

export interface AuditSink {
  append(event: AuditEvent): Promise<AuditRecord>;
}
