'use strict';

const { arnOf, objectsOf, serviceInRegion } = require('./cfn.cjs');
const { allow, grants } = require('./grants.cjs');
const names = require('./names.cjs');
const { queueCatalogue } = require('./queues.cjs');

const RAW_PURPOSE = 'raw-submission';
const UPLOAD_ERRORS_PURPOSE = 'upload-errors';
const ACK_PURPOSE = 'acknowledgement';
const CONSUMER_PURPOSES = ['consumer-copy', 'deid-secret'];

/** Every function's own statements, beyond its log group and tracing. */
function statementsFor(settings, fnName) {
  const q = names.queue;
  const common = [grants.storageKey(), ...grants.auditAppend(), grants.listData()];
  switch (fnName) {
    case 'token':
      return [
        ...common,
        grants.readData(['registry/partners/*']),
        grants.writeData(['replay/jti/*']),
        grants.issuerPublicKey(),
        grants.issuerSign(),
      ];
    case 'discovery':
      return [grants.issuerPublicKey()];
    // The gateway authorizer: the issuer's public key, and the audit record of a denial.
    case 'authorizer':
      return [...grants.auditAppend(), grants.issuerPublicKey()];
    case 'ingest':
      return [
        ...common,
        grants.readData([
          'registry/partners/*',
          'idempotency/*',
          'raw/*',
          'submissions/*',
          'interchanges/*',
          'acks/*',
        ]),
        grants.writeData(['idempotency/*', 'raw/*', 'submissions/*', 'interchanges/*', 'acks/*']),
        grants.issuerPublicKey(),
        grants.envelope('EncryptRawAndAcknowledgements', names.key.data, ['kms:GenerateDataKey'], 'data', [
          RAW_PURPOSE,
          ACK_PURPOSE,
        ]),
        grants.sendTo('QueueAcceptedSubmissions', [q.ingest]),
      ];
    case 'status':
      return [
        ...common,
        // consumer-state/: a disabled consumer's share reads as waiting (docs/operators.md).
        grants.readData(['registry/partners/*', 'submissions/*', 'consumer-state/*']),
        grants.issuerPublicKey(),
      ];
    case 'acknowledgement':
      return [
        ...common,
        grants.readData(['registry/partners/*', 'submissions/*', 'acks/*']),
        grants.issuerPublicKey(),
        grants.envelope('DecryptAcknowledgements', names.key.data, ['kms:Decrypt'], 'data', [ACK_PURPOSE]),
      ];
    case 'notFound':
      return grants.auditAppend();
    case 'process':
      return [
        ...common,
        grants.readData(['raw/*', 'registry/contracts/*', 'submissions/*', 'failures/ingest/*', 'acks/*']),
        grants.writeData(['submissions/*', 'failures/ingest/*', 'acks/*']),
        grants.envelope('DecryptRawSubmissions', names.key.data, ['kms:Decrypt'], 'data', [RAW_PURPOSE]),
        grants.envelope('EncryptAcknowledgements', names.key.data, ['kms:GenerateDataKey'], 'data', [
          ACK_PURPOSE,
        ]),
        grants.consumeFrom('ConsumeIngestQueue', [q.ingest]),
        grants.sendTo('FanOutAndDeadLetter', [
          q.deadLetter(q.ingest),
          ...settings.consumers.map((c) => q.deliver(c)),
        ]),
      ];
    case 'uploads':
      return [
        ...common,
        grants.readData(['registry/partners/*', 'idempotency/*', 'submissions/*']),
        // A presigned PUT acts with the signer's permissions: the partner may put uploads/ and nothing else.
        grants.writeData(['idempotency/*', 'submissions/*', 'uploads/*']),
        // Presigned ListParts of a multipart upload; abort of one that lost a race to record its id.
        grants.listMultipartParts(['uploads/*']),
        grants.abortMultipart(['uploads/*']),
        grants.issuerPublicKey(),
        grants.sendTo('QueueUploadExpiryChecks', [q.uploadExpiry]),
      ];
    case 'errors':
      return [
        ...common,
        grants.readData(['registry/partners/*', 'submissions/*', 'errors/*']),
        grants.issuerPublicKey(),
        grants.envelope('DecryptUploadErrors', names.key.data, ['kms:Decrypt'], 'data', [
          UPLOAD_ERRORS_PURPOSE,
        ]),
      ];
    case 'uploadArrived':
      return [
        ...common,
        // The partner's record: its standing (revoked, BAA) is checked again when its files arrive.
        grants.readData([
          'registry/partners/*',
          'uploads/*',
          'submissions/*',
          'raw/*',
          'failures/upload-expiry/*',
        ]),
        grants.writeData(['submissions/*', 'raw/*', 'errors/*', 'failures/upload-expiry/*']),
        // Landed files once settled, and the raw files of a failed bulk submission: nothing else.
        grants.deleteData(['uploads/*', 'raw/*']),
        // Streamed raw writes that fail, and multipart uploads of a settled bulk submission.
        grants.abortMultipart(['raw/*', 'uploads/*']),
        grants.envelope('EncryptRawFilesAndErrors', names.key.data, ['kms:GenerateDataKey'], 'data', [
          RAW_PURPOSE,
          UPLOAD_ERRORS_PURPOSE,
        ]),
        grants.consumeFrom('ConsumeUploadExpiryQueue', [q.uploadExpiry]),
        grants.sendTo('QueueIngestExpiryAndDeadLetter', [
          q.ingest,
          q.uploadExpiry,
          q.deadLetter(q.uploadExpiry),
        ]),
      ];
    case 'replay': {
      const { sources, deadLetters } = queueCatalogue(settings);
      return [
        ...common,
        grants.readData(['failures/*']),
        // ListQueues has no resource-level permissions; the adapter filters by PHI_QUEUE_PREFIX.
        allow('FindDeadLetterQueues', ['sqs:ListQueues'], ['*']),
        grants.consumeFrom('TakeFromDeadLetterQueues', deadLetters),
        grants.sendTo('ReturnToSourceQueues', sources),
      ];
    }
    default: {
      const consumer = settings.consumers.find((c) => names.fn.deliver(c) === fnName);
      if (consumer === undefined) throw new Error(`no IAM statements for function ${fnName}`);
      return deliverStatements(consumer, common);
    }
  }
}

/** One consumer's deliver function: its own key, prefixes and queues, and the raw objects it reads. */
function deliverStatements(consumer, common) {
  const q = names.queue;
  const c = consumer.id;
  return [
    ...common,
    grants.readData([
      'raw/*',
      `registry/contracts/${c}.json`,
      `deliveries/${c}/*`,
      `secrets/deid-${c}`,
      `consumers/${c}/*`,
      `failures/deliver-${c}/*`,
      `consumer-state/${c}.json`,
    ]),
    grants.writeData([
      `deliveries/${c}/*`,
      `secrets/deid-${c}`,
      `consumers/${c}/*`,
      `submissions/*/consumers/${c}.json`,
      `failures/deliver-${c}/*`,
    ]),
    grants.envelope('DecryptRawSubmissions', names.key.data, ['kms:Decrypt'], 'data', [RAW_PURPOSE]),
    grants.envelope(
      'EncryptForConsumer',
      names.key.consumer(consumer),
      ['kms:GenerateDataKey', 'kms:Decrypt'],
      `consumer:${c}`,
      CONSUMER_PURPOSES,
    ),
    grants.consumeFrom('ConsumeDeliverQueue', [q.deliver(consumer)]),
    // Its own deliver queue too: a disabled consumer's share is sent back there with a delay (held).
    grants.sendTo('NotifyHoldAndDeadLetter', [
      q.notify(consumer),
      q.deliver(consumer),
      q.deadLetter(q.deliver(consumer)),
    ]),
  ];
}

/** One role per function: nothing is shared, so a function's grants are exactly its own. */
function roleFor(settings, fnName) {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: `Execution role of ${names.fn.physical(settings, fnName)} only`,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'lambda.amazonaws.com' },
            Action: 'sts:AssumeRole',
          },
        ],
      },
      Policies: [
        {
          PolicyName: 'least-privilege',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [grants.ownLogs(fnName), grants.tracing(), ...statementsFor(settings, fnName)],
          },
        },
      ],
    },
  };
}

/** What a consumer's own role needs to run `phi consume` (docs/deploy.md explains each statement). */
function consumerPolicy(consumer) {
  const notify = names.queue.notify(consumer);
  return {
    Type: 'AWS::IAM::ManagedPolicy',
    Properties: {
      Description: `Consumer ${consumer.id}: its notifications, its copies, its key; nothing else`,
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          allow(
            'ReadOwnNotifications',
            [
              'sqs:ReceiveMessage',
              'sqs:DeleteMessage',
              'sqs:ChangeMessageVisibility',
              'sqs:GetQueueAttributes',
              'sqs:GetQueueUrl',
            ],
            [arnOf(notify)],
          ),
          allow(
            'ReadOwnCopies',
            ['s3:GetObject'],
            [objectsOf(names.bucket.data, `consumers/${consumer.id}/*`)],
          ),
          allow('DecryptOwnCopies', ['kms:Decrypt'], [arnOf(names.key.consumer(consumer))], {
            StringEquals: {
              'kms:EncryptionContext:consumer': consumer.id,
              'kms:EncryptionContext:purpose': 'consumer-copy',
              'kms:EncryptionContext:phi-key': `consumer:${consumer.id}`,
            },
          }),
          allow('StorageKeyForOwnQueue', ['kms:Decrypt'], [arnOf(names.key.storage)], {
            StringEquals: { 'kms:ViaService': serviceInRegion('sqs') },
            ArnEquals: { 'kms:EncryptionContext:aws:sqs:arn': arnOf(notify) },
          }),
          // With S3 Bucket Keys the SSE context names the bucket; GetObject above limits the prefix.
          allow('StorageKeyForDataBucket', ['kms:Decrypt'], [arnOf(names.key.storage)], {
            StringEquals: { 'kms:ViaService': serviceInRegion('s3') },
            ArnEquals: { 'kms:EncryptionContext:aws:s3:arn': arnOf(names.bucket.data) },
          }),
          // `phi consume` records each decrypt in the audit chain (SPEC §4), under the audit key.
          ...grants.auditAppend(),
        ],
      },
    },
  };
}

/**
 * Every statement of an operator's policy holds only with MFA: `aws:MultiFactorAuthPresent` is true
 * for credentials from an MFA-authenticated session (AssumeRole or GetSessionToken with a code) and
 * absent for long-term access keys, so `Bool` (not `BoolIfExists`) refuses those too.
 */
const withMfa = (statement) => ({
  ...statement,
  Condition: { ...(statement.Condition ?? {}), Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
});

/**
 * The operator verbs that touch PHI or access (issue 12): invoke the replay function; set a consumer's
 * disabled flag (`phi consumer disable|enable`: consumer-state/*, after reading its contract); read and
 * append the audit chain (`phi audit export`, and the record each verb appends). Kept under its first
 * logical id (ReplayInvokePolicy) so attached roles and the stack output stay as they were.
 */
function operatorPolicy(settings) {
  return {
    Type: 'AWS::IAM::ManagedPolicy',
    Properties: {
      Description:
        'Operators, with MFA only: invoke the dead-letter replay function, disable/enable consumers, export and append the audit chain',
      ...(settings.operatorRoles.length > 0 ? { Roles: settings.operatorRoles } : {}),
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          allow('InvokeReplay', ['lambda:InvokeFunction'], [arnOf(names.fn.lambda('replay'))]),
          allow(
            'SetConsumerState',
            ['s3:GetObject', 's3:PutObject'],
            [objectsOf(names.bucket.data, 'consumer-state/*')],
          ),
          allow(
            'ReadConsumerContracts',
            ['s3:GetObject'],
            [objectsOf(names.bucket.data, 'registry/contracts/*')],
          ),
          grants.listData(),
          grants.storageKey(),
          ...grants.auditAppend(),
        ].map(withMfa),
      },
    },
  };
}

function roleResources(settings) {
  const resources = {};
  for (const fnName of names.allFunctions(settings))
    resources[names.fn.role(fnName)] = roleFor(settings, fnName);
  for (const consumer of settings.consumers) {
    resources[`Consumer${consumer.logical}AccessPolicy`] = consumerPolicy(consumer);
  }
  resources.ReplayInvokePolicy = operatorPolicy(settings);
  return resources;
}

module.exports = { roleResources, statementsFor };
