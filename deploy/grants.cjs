'use strict';

const { arnOf, objectsOf, serviceInRegion } = require('./cfn.cjs');
const names = require('./names.cjs');

/**
 * IAM statement builders named after what the code does (shared/adapters/aws/*): each grant is the
 * narrowest action set and resource the adapter call needs. Object keys follow
 * shared/app/storage-keys.ts and the adapters' prefixes (`registry/`, `audit/`).
 */
const allow = (Sid, Action, Resource, Condition) => ({
  Sid,
  Effect: 'Allow',
  Action,
  Resource,
  ...(Condition === undefined ? {} : { Condition }),
});

const data = names.bucket.data;
const audit = names.bucket.audit;

const grants = {
  ownLogs: (fnName) =>
    allow(
      'WriteOwnLogGroup',
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      [arnOf(names.fn.logGroup(fnName))],
    ),
  /** X-Ray's write actions take no resource-level permissions. */
  tracing: () => allow('PublishTraces', ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], ['*']),
  /** SSE-KMS under the storage key, only when S3 or SQS makes the call for this role. */
  storageKey: () =>
    allow('StorageKeyThroughS3AndSqs', ['kms:GenerateDataKey', 'kms:Decrypt'], [arnOf(names.key.storage)], {
      StringEquals: { 'kms:ViaService': [serviceInRegion('s3'), serviceInRegion('sqs')] },
    }),
  /** S3AuditSink: read the tail, create the next record, rewrite the head hint, under the audit key. */
  auditAppend: () => [
    allow('AppendAuditChain', ['s3:GetObject', 's3:PutObject'], [objectsOf(audit, 'audit/*')]),
    // Without ListBucket a missing key reads as 403, not 404, and the tail probe could not end.
    allow('ListAuditBucket', ['s3:ListBucket'], [arnOf(audit)]),
    // With S3 Bucket Keys the SSE context names the bucket; the S3 grant above limits the prefix.
    allow('AuditKeyThroughS3', ['kms:GenerateDataKey', 'kms:Decrypt'], [arnOf(names.key.audit)], {
      StringEquals: { 'kms:ViaService': serviceInRegion('s3') },
      ArnEquals: { 'kms:EncryptionContext:aws:s3:arn': arnOf(audit) },
    }),
  ],
  /** Keys are ids and digests only (SPEC §4); listing also turns a missing object's 403 into a 404. */
  listData: () => allow('ListDataBucket', ['s3:ListBucket'], [arnOf(data)]),
  readData: (patterns) =>
    allow(
      'ReadDataObjects',
      ['s3:GetObject'],
      patterns.map((p) => objectsOf(data, p)),
    ),
  writeData: (patterns) =>
    allow(
      'WriteDataObjects',
      ['s3:PutObject'],
      patterns.map((p) => objectsOf(data, p)),
    ),
  /** Only the upload arrival deletes: landed files once settled, raw files of a failed bulk submission. */
  deleteData: (patterns) =>
    allow(
      'DeleteDataObjects',
      ['s3:DeleteObject'],
      patterns.map((p) => objectsOf(data, p)),
    ),
  /** A streamed (multipart) write that fails is aborted rather than left for the lifecycle rule. */
  abortMultipart: (patterns) =>
    allow(
      'AbortMultipartWrites',
      ['s3:AbortMultipartUpload'],
      patterns.map((p) => objectsOf(data, p)),
    ),
  /** A presigned ListParts acts with the signer's permissions: the partner lists its own upload's parts. */
  listMultipartParts: (patterns) =>
    allow(
      'ListMultipartUploadParts',
      ['s3:ListMultipartUploadParts'],
      patterns.map((p) => objectsOf(data, p)),
    ),
  issuerPublicKey: () => allow('ReadIssuerPublicKey', ['kms:GetPublicKey'], [arnOf(names.key.issuer)]),
  issuerSign: () =>
    allow('SignAccessTokens', ['kms:Sign'], [arnOf(names.key.issuer)], {
      StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256' },
    }),
  /**
   * Envelope data keys (shared/adapters/aws/shared-data-key-cmm.ts): KMS sees `phi-key` (the
   * pipeline key name) and `purpose` in the encryption context, and the grant holds the role to both.
   */
  envelope: (Sid, keyLogicalId, actions, phiKey, purposes) =>
    allow(Sid, actions, [arnOf(keyLogicalId)], {
      StringEquals: {
        'kms:EncryptionContext:phi-key': phiKey,
        'kms:EncryptionContext:purpose': purposes,
      },
    }),
  sendTo: (Sid, queueIds) => allow(Sid, ['sqs:SendMessage', 'sqs:GetQueueUrl'], queueIds.map(arnOf)),
  /** Lambda's event source mapping polls with the function's role; the worker also defers retries. */
  consumeFrom: (Sid, queueIds) =>
    allow(
      Sid,
      [
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
      ],
      queueIds.map(arnOf),
    ),
};

module.exports = { grants, allow };
