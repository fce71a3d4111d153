import type { ChainLine, ChainVerification } from '../../core/audit/hash-chain.js';
import type { AuditLog } from '../../ports/audit-sink.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { readS3AuditChain, verifyS3AuditChain } from './s3-audit-sink.js';

/**
 * The audit log S3AuditSink writes, read back from the same store (one object per record). Keys in the
 * store are relative to the audit prefix; `file` is the object's full `s3://` URL, which operators find.
 */
export class S3AuditLog implements AuditLog {
  /** `location` is where the store's keys start, e.g. `s3://<audit bucket>/<audit prefix>`. */
  constructor(
    private readonly store: ObjectStore,
    private readonly location: string,
  ) {}

  private located(key: string): string {
    return `${this.location}${key}`;
  }

  async read(): Promise<ChainLine[]> {
    return (await readS3AuditChain(this.store)).map((line) => ({ ...line, file: this.located(line.file) }));
  }

  /** The chain end to end, and records missing from its end (the head hint names a later seq). */
  async verify(): Promise<ChainVerification> {
    const result = await verifyS3AuditChain(this.store);
    return result.ok
      ? result
      : { ...result, broken: { ...result.broken, file: this.located(result.broken.file) } };
  }
}
