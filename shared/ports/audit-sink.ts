import type { AuditEvent, AuditRecord } from '../core/audit/audit-event.js';
import type { ChainLine, ChainVerification } from '../core/audit/hash-chain.js';

export type { AuditEvent, AuditRecord, ChainLine, ChainVerification };

export interface AuditSink {
  append(event: AuditEvent): Promise<AuditRecord>;
}

/** The log an AuditSink writes, read back for `phi audit verify` and `phi audit export`. */
export interface AuditLog {
  /** Every record in chain order; `file` names where it is (a path, or an `s3://` URL). */
  read(): Promise<readonly ChainLine[]>;
  /** The chain verified end to end; on S3 also records missing from its end (the head hint). */
  verify(): Promise<ChainVerification>;
}
