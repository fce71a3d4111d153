import { type AuditLogReader, embeddedAuditLog, verifyAuditLog } from '../app/audit-admin.js';
import type { ChainLine, ChainVerification } from '../core/audit/hash-chain.js';
import type { Config } from './config.js';

/** The audit log of the configured target, for `phi audit verify` and `phi audit export`. */
export interface AuditLog {
  /** Every record in chain order; `file` names where it is (a path, or an `s3://` URL). */
  readonly read: AuditLogReader;
  /** The chain verified end to end; on S3 also records missing from its end (the head hint). */
  verify(): Promise<ChainVerification>;
}

/**
 * The embedded day files under PHI_HOME/audit, or with PHI_TARGET=aws the S3 chain under
 * PHI_AUDIT_BUCKET/PHI_AUDIT_PREFIX (one object per record). The AWS SDK loads only for the latter.
 */
export async function auditLogOf(config: Config): Promise<AuditLog> {
  const aws = config.aws;
  if (aws === undefined) {
    const read = embeddedAuditLog(config.home);
    return { read, verify: () => verifyAuditLog(read) };
  }
  const [{ getS3Client }, { S3ObjectStore }, { readS3AuditChain, verifyS3AuditChain }] = await Promise.all([
    import('../adapters/aws/clients.js'),
    import('../adapters/aws/s3-object-store.js'),
    import('../adapters/aws/s3-audit-sink.js'),
  ]);
  const s3 = getS3Client({
    region: aws.region,
    ...(aws.endpoint === undefined ? {} : { endpoint: aws.endpoint }),
  });
  const store = new S3ObjectStore(s3, { ...aws.audit, sseKmsKeyId: aws.auditSseKmsKeyId });
  // Keys in the store are relative to the audit prefix; operators find the object by its full URL.
  const located = (key: string): string => `s3://${aws.audit.bucket}/${aws.audit.prefix}${key}`;
  const read = async (): Promise<readonly ChainLine[]> =>
    (await readS3AuditChain(store)).map((line) => ({ ...line, file: located(line.file) }));
  return {
    read,
    async verify() {
      const result = await verifyS3AuditChain(store);
      return result.ok
        ? result
        : { ...result, broken: { ...result.broken, file: located(result.broken.file) } };
    },
  };
}
