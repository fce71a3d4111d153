import type { ChainLine, ChainVerification } from '../../core/audit/hash-chain.js';
import type { AuditLog } from '../../ports/audit-sink.js';
import { readAuditDirectory, verifyAuditDirectory } from './audit-files.js';

/** The audit log FileAuditSink writes, read back: day files under `${home}/audit`, oldest first. */
export class FileAuditLog implements AuditLog {
  constructor(private readonly home: string) {}

  /** Every record in chain order; `file` is the full path of its day file. */
  read(): Promise<ChainLine[]> {
    return readAuditDirectory(this.home);
  }

  verify(): Promise<ChainVerification> {
    return verifyAuditDirectory(this.home);
  }
}
