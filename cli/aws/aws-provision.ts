import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type AwsClientSettings,
  createKmsClient,
  createS3Client,
  createSqsClient,
} from '../../shared/adapters/aws/clients.js';
import { S3ObjectStore } from '../../shared/adapters/aws/s3-object-store.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { PipelineError } from '../../shared/core/errors.js';
import { CONSUMER_ID, CONSUMER_ID_RULE } from '../../shared/core/ids.js';
import { PROVISION_NAME, SQS_NAME_MAX } from './aws-provision-names.js';
import { ensureBucket, ensureKmsKey, ensureQueuePair, type KeyKind } from './aws-provision-resources.js';

/** What `phi aws provision` makes: names derive from `name`, so a second run finds the first run's resources. */
export interface ProvisionRequest {
  /** Prefix of every resource name: buckets, KMS aliases, SQS queues. */
  readonly name: string;
  readonly region: string;
  /** A non-AWS endpoint (moto); never for a real account. */
  readonly endpoint?: string;
  /** The API URL partners use; printed as PHI_PUBLIC_URL. */
  readonly publicUrl: string;
  /** RedrivePolicy maxReceiveCount; must equal PHI_MAX_RECEIVE_COUNT of every process. */
  readonly maxReceiveCount: number;
  readonly registryPrefix: string;
  readonly auditPrefix: string;
  /** Default `<name>-data-<account id>` / `<name>-audit-<account id>` (bucket names are global). */
  readonly dataBucket?: string;
  readonly auditBucket?: string;
  /** Consumers to make queues and keys for besides the shipped and already registered contracts. */
  readonly consumers?: readonly string[];
  /** The shipped contracts, uploaded to the registry where absent. */
  readonly contractsDir: string;
  /** Tests only; otherwise the SDK's default credential chain. */
  readonly clientOverrides?: Partial<AwsClientSettings>;
}

export interface ProvisionResult {
  /** The PHI_* variables for this stack, in a readable order. */
  readonly variables: ReadonlyArray<readonly [string, string]>;
  readonly consumers: readonly string[];
}

/** Longer than a local poller's 30 s receive; a Lambda mapping sets its own in serverless.yml. */
const VISIBILITY_TIMEOUT_SECONDS = 60;
const DEFAULT_CONSUMER_KEY = '*';

const accountOf = (arn: string): string => arn.split(':')[4] ?? '';

async function shippedContracts(dir: string): Promise<Map<string, Uint8Array>> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  const contracts = new Map<string, Uint8Array>();
  for (const file of files)
    contracts.set(file.slice(0, -'.json'.length), await readFile(path.join(dir, file)));
  return contracts;
}

function checkNames(request: ProvisionRequest, consumers: readonly string[]): void {
  if (!PROVISION_NAME.test(request.name)) {
    throw new PipelineError(
      'config-invalid',
      'the name must be 2-32 of a-z, 0-9 and -, starting with a letter',
      {
        details: { rule: 'name' },
      },
    );
  }
  for (const consumer of consumers) {
    if (!CONSUMER_ID.test(consumer)) {
      throw new PipelineError('config-invalid', `consumer id ${consumer} must match ${CONSUMER_ID_RULE}`, {
        details: { rule: 'consumer-id' },
      });
    }
    const longest = `${request.name}-${queueNames.deadLetter(queueNames.notify(consumer))}`;
    if (longest.length > SQS_NAME_MAX) {
      throw new PipelineError(
        'config-invalid',
        `queue ${longest} is longer than SQS's ${SQS_NAME_MAX} characters`,
        {
          details: { rule: 'queue-name-length', consumer },
        },
      );
    }
  }
}

/**
 * Creates (or finds) everything the AWS adapters need: the data and audit buckets, KMS keys (data,
 * storage and audit SSE, one per consumer plus a `*` fallback, the ECC_NIST_P256 issuer), an SQS queue and dead-letter queue
 * for ingest and for each consumer's deliver and notify queues, and the shipped contracts in the
 * registry. Queues come before contracts, so a running pipeline never sees a consumer without queues.
 * Safe to run again: existing resources are kept and their settings converged; contracts already in
 * the registry are never overwritten.
 */
export async function provisionAws(
  request: ProvisionRequest,
  log: (line: string) => void = () => undefined,
): Promise<ProvisionResult> {
  checkNames(request, request.consumers ?? []);
  const settings: AwsClientSettings = {
    region: request.region,
    ...(request.endpoint === undefined ? {} : { endpoint: request.endpoint }),
    ...request.clientOverrides,
  };
  const s3 = createS3Client(settings);
  const sqs = createSqsClient(settings);
  const kms = createKmsClient(settings);
  const report = (what: string, created: boolean, detail = '') =>
    log(`${created ? 'created' : 'exists '}  ${what}${detail === '' ? '' : `  ${detail}`}`);
  const key = async (suffix: string, kind: KeyKind, description: string): Promise<string> => {
    const alias = `alias/${request.name}-${suffix}`;
    const { value, created } = await ensureKmsKey(kms, alias, kind, description);
    report(`kms ${alias}`, created, value);
    return value;
  };

  const dataKey = await key('data', 'symmetric', 'phi-pipeline: envelope data keys for raw submissions');
  // SSE-KMS keys, as in the deployed stack: one for the data bucket, one for the audit bucket.
  const storageKey = await key('storage', 'symmetric', 'phi-pipeline: SSE-KMS of the data bucket');
  const auditKey = await key('audit', 'symmetric', 'phi-pipeline: SSE-KMS of the audit bucket');
  const account = accountOf(dataKey);
  const dataBucket = request.dataBucket ?? `${request.name}-data-${account}`;
  const auditBucket = request.auditBucket ?? `${request.name}-audit-${account}`;
  // A shared bucket keeps the storage key as its default; audit puts still name the audit key.
  const bucketKeys = new Map([[dataBucket, storageKey]]);
  if (!bucketKeys.has(auditBucket)) bucketKeys.set(auditBucket, auditKey);
  for (const [bucket, kmsKeyArn] of bucketKeys) {
    const { created } = await ensureBucket(s3, bucket, {
      region: request.region,
      kmsKeyArn,
      // moto enforces bucket policies, and is reached over plain HTTP.
      denyPlainHttp: request.endpoint === undefined,
    });
    report(`s3 ${bucket}`, created);
  }
  const issuerKey = await key('issuer', 'signing', 'phi-pipeline: access-token issuer (ES256)');

  const registry = new S3ObjectStore(s3, { bucket: dataBucket, prefix: request.registryPrefix });
  const shipped = await shippedContracts(request.contractsDir);
  const registered = (await registry.list('contracts/'))
    .filter((k) => k.endsWith('.json'))
    .map((k) => k.slice('contracts/'.length, -'.json'.length))
    .filter((consumer) => CONSUMER_ID.test(consumer));
  const consumers = [...new Set([...shipped.keys(), ...registered, ...(request.consumers ?? [])])].sort();
  checkNames(request, consumers);

  const consumerKeys: Record<string, string> = {};
  for (const consumer of consumers) {
    consumerKeys[consumer] = await key(
      `consumer-${consumer}`,
      'symmetric',
      `phi-pipeline: consumer ${consumer} copies`,
    );
  }
  consumerKeys[DEFAULT_CONSUMER_KEY] = await key(
    'consumer-default',
    'symmetric',
    'phi-pipeline: copies of consumers without their own key',
  );

  const prefix = `${request.name}-`;
  const queues = [
    queueNames.ingest,
    ...consumers.flatMap((c) => [queueNames.deliver(c), queueNames.notify(c)]),
  ];
  for (const queue of queues) {
    const pair = await ensureQueuePair(sqs, `${prefix}${queue}`, {
      maxReceiveCount: request.maxReceiveCount,
      visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
    });
    report(`sqs ${prefix}${queue}`, pair.queue.created, `maxReceiveCount ${request.maxReceiveCount}`);
    report(`sqs ${prefix}${queueNames.deadLetter(queue)}`, pair.deadLetter.created);
  }

  for (const [consumer, body] of shipped) {
    const { created } = await registry.put(`contracts/${consumer}.json`, body, {
      ifAbsent: true,
      contentType: 'application/json',
    });
    report(`contract s3://${dataBucket}/${request.registryPrefix}contracts/${consumer}.json`, created);
  }

  const variables: Array<[string, string]> = [
    ['PHI_TARGET', 'aws'],
    ['PHI_AWS_REGION', request.region],
    ...(request.endpoint === undefined ? [] : [['PHI_AWS_ENDPOINT', request.endpoint] as [string, string]]),
    ['PHI_PUBLIC_URL', request.publicUrl],
    ['PHI_DATA_BUCKET', dataBucket],
    ['PHI_AUDIT_BUCKET', auditBucket],
    ...(request.registryPrefix === 'registry/'
      ? []
      : [['PHI_REGISTRY_PREFIX', request.registryPrefix] as [string, string]]),
    ...(request.auditPrefix === 'audit/'
      ? []
      : [['PHI_AUDIT_PREFIX', request.auditPrefix] as [string, string]]),
    ['PHI_SSE_KMS_KEY_ID', storageKey],
    ['PHI_AUDIT_SSE_KMS_KEY_ID', auditKey],
    ['PHI_DATA_KEY_ID', dataKey],
    ['PHI_CONSUMER_KEY_IDS', JSON.stringify(consumerKeys)],
    ['PHI_ISSUER_KEY_ID', issuerKey],
    ['PHI_QUEUE_PREFIX', prefix],
    ['PHI_MAX_RECEIVE_COUNT', String(request.maxReceiveCount)],
  ];
  return { variables, consumers };
}
