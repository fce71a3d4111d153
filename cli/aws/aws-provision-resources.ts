import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  type KeyMetadata,
  type KMS,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type QueueAttributeName,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { awsErrorName, awsHttpStatus } from '../../shared/adapters/aws/aws-errors.js';
import { PipelineError } from '../../shared/core/errors.js';

/**
 * Idempotent "ensure" steps for `phi aws provision`: each finds the resource by its name (a KMS alias,
 * a bucket name, a queue name) and creates it only when absent, then converges its settings. Errors
 * name the resource and the AWS error name, never the SDK's message.
 */

export interface Ensured<T> {
  readonly value: T;
  readonly created: boolean;
}

export type KeyKind = 'symmetric' | 'signing';

const KEY_SHAPE: Readonly<
  Record<KeyKind, { spec: 'SYMMETRIC_DEFAULT' | 'ECC_NIST_P256'; usage: 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' }>
> = {
  symmetric: { spec: 'SYMMETRIC_DEFAULT', usage: 'ENCRYPT_DECRYPT' },
  signing: { spec: 'ECC_NIST_P256', usage: 'SIGN_VERIFY' },
};

const failed = (resource: string, error: unknown): PipelineError =>
  error instanceof PipelineError
    ? error
    : new PipelineError('config-invalid', `could not provision ${resource}: ${awsErrorName(error)}`, {
        details: { resource, awsError: awsErrorName(error) },
        cause: error,
      });

async function describeKey(kms: KMS, keyId: string): Promise<KeyMetadata | undefined> {
  try {
    return (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
  } catch (error) {
    if (awsErrorName(error) === 'NotFoundException') return undefined;
    throw error;
  }
}

function usableArn(alias: string, kind: KeyKind, metadata: KeyMetadata): string {
  const { Arn, KeyState, KeyUsage } = metadata;
  if (Arn === undefined || KeyState !== 'Enabled' || KeyUsage !== KEY_SHAPE[kind].usage) {
    throw new PipelineError(
      'config-invalid',
      `${alias} names a key that is not an enabled ${KEY_SHAPE[kind].spec} ${KEY_SHAPE[kind].usage} key`,
      { details: { resource: alias, state: KeyState ?? 'unknown', usage: KeyUsage ?? 'unknown' } },
    );
  }
  return Arn;
}

/** The KMS key behind `alias` (e.g. `alias/phi-dev-data`), created with that alias if there is none. */
export async function ensureKmsKey(
  kms: KMS,
  alias: string,
  kind: KeyKind,
  description: string,
): Promise<Ensured<string>> {
  try {
    const existing = await describeKey(kms, alias);
    if (existing !== undefined) return { value: usableArn(alias, kind, existing), created: false };
    const { KeyMetadata: created } = await kms.send(
      new CreateKeyCommand({
        KeySpec: KEY_SHAPE[kind].spec,
        KeyUsage: KEY_SHAPE[kind].usage,
        Description: description,
        Tags: [{ TagKey: 'phi-pipeline', TagValue: alias.slice('alias/'.length) }],
      }),
    );
    if (created?.KeyId === undefined)
      throw new PipelineError('config-invalid', 'CreateKey answered no key id');
    try {
      await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: created.KeyId }));
    } catch (error) {
      if (awsErrorName(error) !== 'AlreadyExistsException') throw error;
      // A concurrent provision won the alias: use its key and retire the one made here.
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: created.KeyId, PendingWindowInDays: 7 }));
      const winner = await describeKey(kms, alias);
      if (winner === undefined) throw error;
      return { value: usableArn(alias, kind, winner), created: false };
    }
    if (kind === 'symmetric') await kms.send(new EnableKeyRotationCommand({ KeyId: created.KeyId }));
    return { value: usableArn(alias, kind, created), created: true };
  } catch (error) {
    throw failed(alias, error);
  }
}

export interface BucketSettings {
  readonly region: string;
  /** Default encryption: SSE-KMS under this key, with a bucket key. */
  readonly kmsKeyArn: string;
  /** A policy refusing plain HTTP; off for an emulator that is itself reached over plain HTTP. */
  readonly denyPlainHttp: boolean;
}

/**
 * A private bucket: created if missing (in `region`), then public access blocked, default encryption
 * SSE-KMS, versioning on, and (on AWS) plain-HTTP requests denied.
 */
export async function ensureBucket(
  s3: S3Client,
  bucket: string,
  { region, kmsKeyArn, denyPlainHttp }: BucketSettings,
): Promise<Ensured<string>> {
  try {
    let created = false;
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (error) {
      const status = awsHttpStatus(error);
      if (status === 403) {
        throw new PipelineError('config-invalid', `bucket ${bucket} exists and belongs to another account`, {
          details: { resource: bucket },
        });
      }
      if (status !== 404 && awsErrorName(error) !== 'NotFound') throw error;
      await s3
        .send(
          new CreateBucketCommand({
            Bucket: bucket,
            // us-east-1 is the one region that refuses its own name as a location constraint.
            ...(region === 'us-east-1'
              ? {}
              : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
          }),
        )
        .catch((e: unknown) => {
          if (awsErrorName(e) !== 'BucketAlreadyOwnedByYou') throw e;
        });
      created = true;
    }
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: kmsKeyArn },
              BucketKeyEnabled: true,
            },
          ],
        },
      }),
    );
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    if (denyPlainHttp) {
      await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: tlsOnlyPolicy(bucket) }));
    }
    return { value: bucket, created };
  } catch (error) {
    throw failed(`bucket ${bucket}`, error);
  }
}

const tlsOnlyPolicy = (bucket: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyPlainHttp',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  });

async function ensureQueue(
  sqs: SQSClient,
  name: string,
  attributes: Partial<Record<QueueAttributeName, string>>,
): Promise<Ensured<string>> {
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (QueueUrl === undefined) throw new PipelineError('config-invalid', 'GetQueueUrl answered no URL');
    // Converge: a changed PHI_MAX_RECEIVE_COUNT reaches an existing queue's RedrivePolicy.
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
    return { value: QueueUrl, created: false };
  } catch (error) {
    const code = awsErrorName(error);
    if (code !== 'QueueDoesNotExist' && code !== 'AWS.SimpleQueueService.NonExistentQueue') throw error;
  }
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (QueueUrl === undefined) throw new PipelineError('config-invalid', 'CreateQueue answered no URL');
  return { value: QueueUrl, created: true };
}

export interface QueuePairSettings {
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutSeconds: number;
}

/** `name-dlq` (kept 14 days) and `name` with a RedrivePolicy to it; SQS-managed encryption on both. */
export async function ensureQueuePair(
  sqs: SQSClient,
  name: string,
  settings: QueuePairSettings,
): Promise<{ readonly queue: Ensured<string>; readonly deadLetter: Ensured<string> }> {
  try {
    const deadLetter = await ensureQueue(sqs, `${name}-dlq`, {
      MessageRetentionPeriod: String(14 * 86_400),
      SqsManagedSseEnabled: 'true',
    });
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: deadLetter.value, AttributeNames: ['QueueArn'] }),
    );
    const deadLetterTargetArn = Attributes?.QueueArn;
    if (deadLetterTargetArn === undefined) {
      throw new PipelineError('config-invalid', 'GetQueueAttributes answered no QueueArn');
    }
    const queue = await ensureQueue(sqs, name, {
      VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(4 * 86_400),
      SqsManagedSseEnabled: 'true',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn, maxReceiveCount: settings.maxReceiveCount }),
    });
    return { queue, deadLetter };
  } catch (error) {
    throw failed(`queue ${name}`, error);
  }
}
