import { type AwsClientSettings, getKmsClient, getS3Client, getSqsClient } from '../adapters/aws/clients.js';
import { KmsKeyProvider } from '../adapters/aws/kms-key-provider.js';
import { KmsTokenSigner } from '../adapters/aws/kms-token-signer.js';
import { S3AuditLog } from '../adapters/aws/s3-audit-log.js';
import { S3AuditSink } from '../adapters/aws/s3-audit-sink.js';
import { S3ContractStore } from '../adapters/aws/s3-contract-store.js';
import { S3ObjectStore } from '../adapters/aws/s3-object-store.js';
import { S3PartnerRegistry } from '../adapters/aws/s3-partner-registry.js';
import { S3UploadLanding } from '../adapters/aws/s3-upload-landing.js';
import { SqsDeadLetters } from '../adapters/aws/sqs-dead-letters.js';
import { SqsQueue } from '../adapters/aws/sqs-queue.js';
import { FhirKitDelivery } from '../adapters/fhir/fhir-kit-delivery.js';
import { TokenBucketRateLimiter } from '../adapters/memory/token-bucket-rate-limiter.js';
import type { PipelineDeps } from '../app/pipeline-deps.js';
import { createSecretCache } from '../app/secrets.js';
import { PipelineError } from '../core/errors.js';
import { createEnvelope } from '../crypto/envelope.js';
import { systemClock } from '../ports/clock.js';
import type { Config } from './config.js';
import { pipelineSettings } from './pipeline-settings.js';

/**
 * The deployed stack: S3 for objects, registry, contracts and audit; SQS queues; KMS data keys and
 * the issuer signing key. SDK clients are made on first use, one per service per container.
 * `clientOverrides` is for tests (moto credentials); a deployed function uses its role.
 */
export function createAwsDeps(
  config: Config,
  clientOverrides: Partial<AwsClientSettings> = {},
): PipelineDeps {
  const aws = config.aws;
  if (aws === undefined) {
    throw new PipelineError('config-invalid', 'the AWS adapters need PHI_TARGET=aws');
  }
  const clientSettings: AwsClientSettings = {
    region: aws.region,
    ...(aws.endpoint === undefined ? {} : { endpoint: aws.endpoint }),
    ...clientOverrides,
  };
  const s3 = getS3Client(clientSettings);
  const kms = getKmsClient(clientSettings);
  const sse = { sseKmsKeyId: aws.sseKmsKeyId };
  const registryStore = new S3ObjectStore(s3, { ...aws.registry, ...sse });
  const keys = new KmsKeyProvider(
    kms,
    { data: aws.dataKeyId, consumers: aws.consumerKeyIds },
    { cache: config.dataKeyCache },
  );
  const clock = systemClock;
  // The audit bucket has its own key (deployed stack: AuditKey), so its policy refuses the storage key.
  const auditStore = new S3ObjectStore(s3, { ...aws.audit, sseKmsKeyId: aws.auditSseKmsKeyId });
  const queue = new SqsQueue(getSqsClient(clientSettings), {
    queuePrefix: aws.queuePrefix,
    queueUrls: aws.queueUrls,
  });
  return {
    settings: pipelineSettings(config, aws.queuePrefix),
    objects: new S3ObjectStore(s3, { bucket: aws.dataBucket, ...sse }),
    uploads: new S3UploadLanding(s3, { bucket: aws.dataBucket, sseKmsKeyId: aws.sseKmsKeyId, clock }),
    queue,
    deadLetters: new SqsDeadLetters(queue),
    keys,
    envelope: createEnvelope(keys),
    signer: new KmsTokenSigner(kms, aws.issuerKeyId),
    partners: new S3PartnerRegistry(registryStore),
    contracts: new S3ContractStore(registryStore),
    audit: new S3AuditSink(auditStore),
    // Operators find a record by its full URL; the store's keys are relative to the audit prefix.
    auditLog: new S3AuditLog(auditStore, `s3://${aws.audit.bucket}/${aws.audit.prefix}`),
    clock,
    // Per container: with N warm containers a partner gets up to N times the budget.
    rateLimiter: new TokenBucketRateLimiter(config.PHI_RATE_LIMIT_RPS, config.PHI_RATE_LIMIT_BURST, clock),
    fhir: new FhirKitDelivery({ clock }),
    secrets: createSecretCache(),
  };
}
