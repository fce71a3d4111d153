'use strict';

const { accountRoot, ref, retained, serviceInRegion, sub } = require('./cfn.cjs');
const names = require('./names.cjs');

/**
 * Customer-managed KMS keys. Every key policy keeps the account root statement, which is what lets the
 * IAM policies of the function roles (and of consumers and operators) grant use of the key; without it
 * only the key policy could. Service principals get their own statements, each limited by conditions.
 */
const keyPolicy = (extra = []) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AccountAdministersKeyAndDelegatesUseToIam',
      Effect: 'Allow',
      Principal: { AWS: accountRoot },
      Action: 'kms:*',
      Resource: '*',
    },
    ...extra,
  ],
});

const symmetricKey = (description, extraStatements) =>
  retained({
    Type: 'AWS::KMS::Key',
    Properties: {
      Description: description,
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      EnableKeyRotation: true,
      KeyPolicy: keyPolicy(extraStatements),
    },
  });

const alias = (settings, name, keyLogicalId) => ({
  Type: 'AWS::KMS::Alias',
  Properties: {
    AliasName: `alias/${settings.service}-${settings.stage}-${name}`,
    TargetKeyId: ref(keyLogicalId),
  },
});

/** CloudWatch Logs, S3 server access logging and CloudWatch alarms (SNS) encrypt with the logs key. */
const logsKeyStatements = () => [
  {
    Sid: 'CloudWatchLogsUsesKeyForThisAccountsLogGroups',
    Effect: 'Allow',
    Principal: { Service: serviceInRegion('logs') },
    Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
    Resource: '*',
    Condition: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': sub(
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub placeholders
          'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*',
        ),
      },
    },
  },
  {
    Sid: 'S3ServerAccessLogDeliveryEncryptsLogObjects',
    Effect: 'Allow',
    Principal: { Service: 'logging.s3.amazonaws.com' },
    Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
    Resource: '*',
    Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
  },
  {
    Sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
    Effect: 'Allow',
    Principal: { Service: 'cloudwatch.amazonaws.com' },
    Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    // The statement SNS documents for CloudWatch alarms; the topic policy decides who may publish.
    Resource: '*',
  },
];

function keyResources(settings) {
  const resources = {
    [names.key.data]: symmetricKey(
      'Envelope encryption of raw submissions (purpose raw-submission); PHI_DATA_KEY_ID',
    ),
    [names.key.storage]: symmetricKey('SSE-KMS of the data bucket and of every queue; PHI_SSE_KMS_KEY_ID'),
    // Its own key: revoking or auditing access to the audit chain never touches the PHI objects' key.
    [names.key.audit]: symmetricKey('SSE-KMS of the audit bucket; PHI_AUDIT_SSE_KMS_KEY_ID'),
    [names.key.logs]: symmetricKey(
      'CloudWatch Logs of the functions and the API, S3 access logs, alarm topic',
      logsKeyStatements(),
    ),
    // Asymmetric keys cannot rotate automatically; rotating the issuer means a new key and a JWKS overlap.
    [names.key.issuer]: retained({
      Type: 'AWS::KMS::Key',
      Properties: {
        Description: 'Signs access tokens (ES256); PHI_ISSUER_KEY_ID',
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        KeyPolicy: keyPolicy(),
      },
    }),
    DataKeyAlias: alias(settings, 'data', names.key.data),
    StorageKeyAlias: alias(settings, 'storage', names.key.storage),
    AuditKeyAlias: alias(settings, 'audit', names.key.audit),
    LogsKeyAlias: alias(settings, 'logs', names.key.logs),
    IssuerKeyAlias: alias(settings, 'issuer', names.key.issuer),
  };
  for (const consumer of settings.consumers) {
    const logicalId = names.key.consumer(consumer);
    resources[logicalId] = symmetricKey(
      `Envelope encryption of consumer ${consumer.id}'s copies and de-identification secret`,
    );
    resources[`${logicalId}Alias`] = alias(settings, `consumer-${consumer.id}`, logicalId);
  }
  return resources;
}

module.exports = { keyResources };
