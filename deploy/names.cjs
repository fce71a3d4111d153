'use strict';

/**
 * Logical ids and physical names shared by the generated resources, serverless.yml and the template
 * tests. osls names a function `foo` `FooLambdaFunction`, its log group `FooLogGroup`.
 */
const upperFirst = (name) => name[0].toUpperCase() + name.slice(1);

const fn = {
  lambda: (name) => `${upperFirst(name)}LambdaFunction`,
  logGroup: (name) => `${upperFirst(name)}LogGroup`,
  role: (name) => `${upperFirst(name)}Role`,
  physical: (settings, name) => `${settings.service}-${settings.stage}-${name}`,
  deliver: (consumer) => `deliver${consumer.logical}`,
};

/** The functions serverless.yml declares itself; deliver functions come one per consumer. */
const STATIC_FUNCTIONS = [
  'token',
  'discovery',
  'ingest',
  'status',
  'acknowledgement',
  'notFound',
  'process',
  'replay',
  'uploads',
  'errors',
  'uploadArrived',
  'authorizer',
];

const queue = {
  ingest: 'IngestQueue',
  /** Delayed expiry checks of bulk uploads (shared/app/uploads/expiry.ts), taken by uploadArrived. */
  uploadExpiry: 'UploadExpiryQueue',
  deliver: (consumer) => `Deliver${consumer.logical}Queue`,
  notify: (consumer) => `Notify${consumer.logical}Queue`,
  deadLetter: (logicalId) => logicalId.replace(/Queue$/, 'DeadLetterQueue'),
};

/** Physical queue names: PHI_QUEUE_PREFIX + the Queue port's names (shared/app/queue-names.ts). */
const queueName = {
  ingest: (s) => `${s.queuePrefix}ingest`,
  uploadExpiry: (s) => `${s.queuePrefix}upload-expiry`,
  deliver: (s, consumer) => `${s.queuePrefix}deliver-${consumer.id}`,
  notify: (s, consumer) => `${s.queuePrefix}notify-${consumer.id}`,
  deadLetter: (name) => `${name}-dlq`,
};

const key = {
  data: 'DataKey',
  consumer: (consumer) => `Consumer${consumer.logical}Key`,
  storage: 'StorageKey',
  audit: 'AuditKey',
  logs: 'LogsKey',
  issuer: 'IssuerKey',
};

const bucket = {
  data: 'DataBucket',
  audit: 'AuditBucket',
  accessLogs: 'AccessLogBucket',
  /** osls's own artifact bucket. */
  deployment: 'ServerlessDeploymentBucket',
};

const allFunctions = (settings) => [...STATIC_FUNCTIONS, ...settings.consumers.map(fn.deliver)];

module.exports = { fn, queue, queueName, key, bucket, STATIC_FUNCTIONS, allFunctions, upperFirst };
