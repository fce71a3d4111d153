export { type DataKeyCacheBounds, KMS_CONTEXT_KEY_NAME } from '../../crypto/data-key-cache.js';
export { awsErrorName, isTransientAwsError } from './aws-errors.js';
export {
  type AwsClientSettings,
  createKmsClient,
  createS3Client,
  createSqsClient,
  getKmsClient,
  getS3Client,
  getSqsClient,
} from './clients.js';
export { derToP1363 } from './ecdsa-signature.js';
export {
  DEFAULT_DATA_KEY_CACHE,
  DEFAULT_KMS_CONTEXT_KEYS,
  type KmsKeyIds,
  KmsKeyProvider,
  type KmsKeyProviderOptions,
} from './kms-key-provider.js';
export { KmsTokenSigner } from './kms-token-signer.js';
export { S3AuditLog } from './s3-audit-log.js';
export {
  CHAIN_DIR,
  chainKey,
  HEAD_KEY,
  readS3AuditChain,
  S3AuditSink,
  type S3AuditSinkOptions,
  verifyS3AuditChain,
} from './s3-audit-sink.js';
export { S3ContractStore } from './s3-contract-store.js';
export { S3ObjectStore, type S3ObjectStoreOptions } from './s3-object-store.js';
export { S3PartnerRegistry } from './s3-partner-registry.js';
export { kmsDataKeyManagers } from './shared-data-key-cmm.js';
export { SqsConnection, type SqsConnectionOptions } from './sqs-connection.js';
export { SqsDeadLetters, type SqsDeadLettersOptions } from './sqs-dead-letters.js';
export { type BatchEntry, SqsQueue, type SqsQueueOptions } from './sqs-queue.js';
