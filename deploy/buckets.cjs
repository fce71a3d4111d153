'use strict';

const { arnOf, objectsOf, ref, retained } = require('./cfn.cjs');
const names = require('./names.cjs');

/**
 * Three buckets, all versioned, private, SSE-KMS under a customer key, TLS 1.2+ only:
 * - data: raw submissions, consumer copies, status and registry records (PHI_DATA_BUCKET);
 * - audit: the hash-chained audit records under Object Lock in compliance mode (PHI_AUDIT_BUCKET);
 * - access logs: S3 server access logs of the other two.
 */
const sse = (keyLogicalId) => ({
  ServerSideEncryptionConfiguration: [
    {
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: arnOf(keyLogicalId) },
      // One KMS call per bucket key period instead of one per object (see docs/deploy.md, cost).
      BucketKeyEnabled: true,
    },
  ],
});

const privateBucket = (properties) =>
  retained({
    Type: 'AWS::S3::Bucket',
    Properties: {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      ...properties,
    },
  });

const abortUploads = {
  Id: 'abort-incomplete-uploads',
  Status: 'Enabled',
  AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
};

const transportStatements = (bucketLogicalId) => {
  const resources = [arnOf(bucketLogicalId), objectsOf(bucketLogicalId, '*')];
  return [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: resources,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
    {
      Sid: 'DenyTlsBelow12',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: resources,
      Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } },
    },
  ];
};

/**
 * A put naming `aws:kms` without a key id would land under the AWS managed `aws/s3` key, and one
 * naming another key would escape this bucket's key policy: both are refused.
 */
const bucketKeyOnlyStatements = (bucketLogicalId, keyLogicalId) => {
  const objects = objectsOf(bucketLogicalId, '*');
  return [
    {
      Sid: 'DenyOtherEncryption',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: objects,
      Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
    },
    {
      Sid: 'DenyOtherKmsKeys',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: objects,
      Condition: {
        StringNotEqualsIfExists: {
          's3:x-amz-server-side-encryption-aws-kms-key-id': arnOf(keyLogicalId),
        },
      },
    },
    {
      Sid: 'DenyAwsManagedKeyFallback',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:PutObject',
      Resource: objects,
      Condition: {
        StringEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
        Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' },
      },
    },
  ];
};

const bucketPolicy = (bucketLogicalId, statements) => ({
  Type: 'AWS::S3::BucketPolicy',
  Properties: {
    Bucket: ref(bucketLogicalId),
    PolicyDocument: { Version: '2012-10-17', Statement: statements },
  },
});

const UPLOAD_ARRIVED = names.fn.lambda('uploadArrived');
const UPLOAD_RULE = 'UploadArrivedRule';

/**
 * Objects created under `uploads/` go to uploadArrived. The data bucket notifies EventBridge rather
 * than the function itself: every function's environment names the bucket (PHI_DATA_BUCKET), so a
 * notification naming the function would close a dependency cycle. The rule hands the function the
 * S3 notification record shape it also gets locally (eventName, bucket, URL-safe key, size).
 */
const uploadArrivedRule = () => ({
  Type: 'AWS::Events::Rule',
  Properties: {
    Description: 'Bulk files landing under uploads/ of the data bucket, to uploadArrived',
    State: 'ENABLED',
    EventPattern: {
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: {
        bucket: { name: [ref(names.bucket.data)] },
        object: { key: [{ prefix: 'uploads/' }] },
      },
    },
    Targets: [
      {
        Id: 'uploadArrived',
        Arn: arnOf(UPLOAD_ARRIVED),
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        InputTransformer: {
          InputPathsMap: {
            time: '$.time',
            region: '$.region',
            bucket: '$.detail.bucket.name',
            key: '$.detail.object.key',
            size: '$.detail.object.size',
            // PutObject, CompleteMultipartUpload, …: the arrival takes every ObjectCreated:* alike.
            reason: '$.detail.reason',
          },
          InputTemplate:
            '{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"<region>","eventTime":"<time>",' +
            '"eventName":"ObjectCreated:<reason>","s3":{"s3SchemaVersion":"1.0","bucket":{"name":"<bucket>"},' +
            '"object":{"key":"<key>","size":<size>}}}]}',
        },
      },
    ],
  },
});

const uploadArrivedPermission = () => ({
  Type: 'AWS::Lambda::Permission',
  Properties: {
    Action: 'lambda:InvokeFunction',
    FunctionName: arnOf(UPLOAD_ARRIVED),
    Principal: 'events.amazonaws.com',
    SourceArn: arnOf(UPLOAD_RULE),
  },
});

function bucketResources(settings) {
  const { data, audit, accessLogs } = names.bucket;
  return {
    [UPLOAD_RULE]: uploadArrivedRule(),
    UploadArrivedEventsInvokePermission: uploadArrivedPermission(),
    [accessLogs]: privateBucket({
      BucketEncryption: sse(names.key.logs),
      LifecycleConfiguration: {
        Rules: [
          abortUploads,
          {
            Id: 'expire-access-logs',
            Status: 'Enabled',
            ExpirationInDays: settings.accessLogRetentionDays,
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
          },
        ],
      },
    }),
    [`${accessLogs}Policy`]: bucketPolicy(accessLogs, [
      ...transportStatements(accessLogs),
      {
        Sid: 'S3ServerAccessLogDelivery',
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: objectsOf(accessLogs, '*'),
        Condition: {
          ArnLike: { 'aws:SourceArn': [arnOf(data), arnOf(audit), arnOf(names.bucket.deployment)] },
          StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
        },
      },
    ]),
    [data]: privateBucket({
      BucketEncryption: sse(names.key.storage),
      LoggingConfiguration: { DestinationBucketName: ref(accessLogs), LogFilePrefix: 'data/' },
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      LifecycleConfiguration: {
        Rules: [
          abortUploads,
          // Status and marker records are rewritten in place; their old versions need not live long.
          {
            Id: 'expire-noncurrent-versions',
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: settings.noncurrentVersionDays },
          },
          { Id: 'remove-expired-delete-markers', Status: 'Enabled', ExpiredObjectDeleteMarker: true },
          // Bulk files land here for minutes (URLs live 15); whatever is left after a day goes.
          {
            Id: 'expire-upload-landing',
            Status: 'Enabled',
            Prefix: 'uploads/',
            ExpirationInDays: 1,
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
          },
          // A client assertion lives at most five minutes; its jti record only has to outlive it.
          { Id: 'expire-assertion-jti', Status: 'Enabled', Prefix: 'replay/jti/', ExpirationInDays: 1 },
          // Failure records explain dead letters; the DLQs keep messages 14 days.
          { Id: 'expire-failure-records', Status: 'Enabled', Prefix: 'failures/', ExpirationInDays: 30 },
          ...['raw/', 'consumers/'].map((prefix) => ({
            Id: `tier-${prefix.slice(0, -1)}`,
            Status: 'Enabled',
            Prefix: prefix,
            Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 30 }],
          })),
        ],
      },
    }),
    [`${data}Policy`]: bucketPolicy(data, [
      ...transportStatements(data),
      ...bucketKeyOnlyStatements(data, names.key.storage),
    ]),
    [audit]: privateBucket({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        // Compliance mode: no user, root included, can shorten or remove a record's retention.
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: settings.auditRetentionDays } },
      },
      // PHI_AUDIT_SSE_KMS_KEY_ID: the audit store's puts name this key, and only this key.
      BucketEncryption: sse(names.key.audit),
      LoggingConfiguration: { DestinationBucketName: ref(accessLogs), LogFilePrefix: 'audit/' },
      LifecycleConfiguration: {
        Rules: [
          abortUploads,
          // `audit/head.json` is a hint rewritten on every append; its old versions go once unlocked.
          {
            Id: 'expire-old-head-hints',
            Status: 'Enabled',
            Prefix: 'audit/head.json',
            NoncurrentVersionExpiration: { NoncurrentDays: settings.auditRetentionDays },
          },
        ],
      },
    }),
    [`${audit}Policy`]: bucketPolicy(audit, [
      ...transportStatements(audit),
      ...bucketKeyOnlyStatements(audit, names.key.audit),
    ]),
  };
}

module.exports = { bucketResources };
