import { KMS, type KMSClientConfig } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsClientSettings {
  readonly region: string;
  /** A non-AWS endpoint (moto in tests); S3 then uses path-style addressing. */
  readonly endpoint?: string;
  /** Tests only; otherwise the SDK's default provider chain (the Lambda role). */
  readonly credentials?: KMSClientConfig['credentials'];
  /** SDK attempts per call, the first included. Default 3. */
  readonly maxAttempts?: number;
  readonly connectionTimeoutMs?: number;
  /** Per attempt; S3 and SQS get more by default (object bodies, 20 s long polls). */
  readonly requestTimeoutMs?: number;
}

type Service = 's3' | 'sqs' | 'kms';

const DEFAULT_MAX_ATTEMPTS = 3;
const DEFAULT_CONNECTION_TIMEOUT_MS = 3_000;
/** SQS must outlast a 20 s long poll; KMS answers in milliseconds or is in trouble. */
const DEFAULT_REQUEST_TIMEOUT_MS: Readonly<Record<Service, number>> = { s3: 30_000, sqs: 25_000, kms: 5_000 };

function baseConfig(service: Service, settings: AwsClientSettings) {
  return {
    region: settings.region,
    maxAttempts: settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: settings.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      requestTimeout: settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS[service],
      // Without this a timed-out request only logs a warning and keeps waiting.
      throwOnRequestTimeout: true,
    },
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    ...(settings.credentials === undefined ? {} : { credentials: settings.credentials }),
  };
}

/** A new S3 client; prefer `getS3Client` outside tests that add middleware. */
export const createS3Client = (settings: AwsClientSettings): S3Client =>
  new S3Client({ ...baseConfig('s3', settings), forcePathStyle: settings.endpoint !== undefined });

export const createSqsClient = (settings: AwsClientSettings): SQSClient =>
  new SQSClient(baseConfig('sqs', settings));

/**
 * The aggregated `KMS` class, not `KMSClient`: the Encryption SDK's keyring calls
 * `generateDataKey`/`decrypt` methods that only the aggregated class has.
 */
export const createKmsClient = (settings: AwsClientSettings): KMS => new KMS(baseConfig('kms', settings));

const clients = new Map<string, S3Client | SQSClient | KMS>();

function memoized<T extends S3Client | SQSClient | KMS>(
  service: Service,
  settings: AwsClientSettings,
  create: (settings: AwsClientSettings) => T,
  isT: (client: S3Client | SQSClient | KMS) => client is T,
): T {
  const id = `${service}|${settings.endpoint ?? ''}|${settings.region}`;
  const existing = clients.get(id);
  if (existing !== undefined && isT(existing)) return existing;
  const client = create(settings);
  clients.set(id, client);
  return client;
}

/** One client per (service, endpoint, region) per process (Lambda container), made on first use. */
export const getS3Client = (settings: AwsClientSettings): S3Client =>
  memoized('s3', settings, createS3Client, (c): c is S3Client => c instanceof S3Client);

export const getSqsClient = (settings: AwsClientSettings): SQSClient =>
  memoized('sqs', settings, createSqsClient, (c): c is SQSClient => c instanceof SQSClient);

export const getKmsClient = (settings: AwsClientSettings): KMS =>
  memoized('kms', settings, createKmsClient, (c): c is KMS => c instanceof KMS);
