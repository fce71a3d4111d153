'use strict';

/**
 * The deployment settings the generated resources depend on, read from serverless.yml
 * (`custom.consumers`, `custom.stack`) and checked once, so a bad value fails `osls package` with a
 * message naming the setting instead of failing a CloudFormation update half-way.
 */

/**
 * Consumer ids become key names, queue names and S3 prefixes: shared/core/ids.ts `CONSUMER_ID`, which
 * test/unit/ids.test.ts keeps equal to this copy (a consumer id is its contract's name).
 */
const CONSUMER_ID = /^[a-z][a-z0-9-]{0,62}$/;
/** config.ts: PHI_QUEUE_PREFIX. */
const QUEUE_PREFIX = /^[A-Za-z0-9_-]{0,40}$/;
const SQS_NAME_MAX = 80;
/**
 * Lambda takes at most 6 MB per synchronous invocation, and API Gateway may pass the body base64
 * encoded (4/3 of its size) inside the event: a larger PHI_MAX_BODY_BYTES would never be reached.
 */
const LAMBDA_BODY_MAX = Math.floor(4.4 * 1024 * 1024);
const LAMBDA_NAME_MAX = 64;
/** The longest queue name a consumer gets: `notify-<id>-dlq`. */
const longestQueueName = (prefix, consumer) => `${prefix}notify-${consumer}-dlq`;

const fail = (message) => {
  throw new Error(`serverless.yml: ${message}`);
};

const integer = (name, value, min, max) => {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (!Number.isInteger(n) || n < min || n > max) fail(`${name} must be an integer in ${min}..${max}`);
  return n;
};

/** An SQS worker: its size, its timeout (queue visibility follows it) and its concurrency. */
const worker = (name, value) =>
  Object.freeze({
    memorySize: integer(`${name}.memorySize`, value?.memorySize, 128, 10240),
    timeout: integer(`${name}.timeout`, value?.timeout, 1, 900),
    // Event source mappings poll with at least 2 concurrent batches.
    reservedConcurrency: integer(`${name}.reservedConcurrency`, value?.reservedConcurrency, 2, 1000),
  });

const text = (value) => (value === undefined || value === null ? '' : String(value).trim());

/** `a,b c` → ['a','b','c']: list params arrive as one string from `--param`. */
const list = (value) =>
  Array.isArray(value)
    ? value.map(text).filter(Boolean)
    : text(value)
        .split(/[\s,]+/)
        .filter(Boolean);

/** `data-lake` → `DataLake`: CloudFormation logical ids and function names are alphanumeric. */
const pascal = (id) =>
  id
    .split('-')
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');

function parseConsumers(value, prefix, service, stage) {
  const consumers = list(value);
  if (consumers.length === 0) fail('custom.consumers lists no consumer');
  const seen = new Map();
  for (const id of consumers) {
    if (!CONSUMER_ID.test(id)) fail(`consumer "${id}" must match ${CONSUMER_ID}`);
    const logical = pascal(id);
    if (seen.has(logical)) fail(`consumers "${seen.get(logical)}" and "${id}" map to one resource name`);
    seen.set(logical, id);
    if (longestQueueName(prefix, id).length > SQS_NAME_MAX) {
      fail(`consumer "${id}": queue name ${longestQueueName(prefix, id)} is over ${SQS_NAME_MAX} characters`);
    }
    const fn = `${service}-${stage}-deliver${logical}`;
    if (fn.length > LAMBDA_NAME_MAX) fail(`consumer "${id}": function name ${fn} is over ${LAMBDA_NAME_MAX}`);
  }
  return consumers.map((id) => ({ id, logical: pascal(id) }));
}

/** Plain values in, a frozen settings object out; `raw` is what serverless.yml resolved. */
function parseSettings(raw, consumersRaw) {
  const stack = raw ?? {};
  const service = text(stack.service) || fail('custom.stack.service is empty');
  const stage = text(stack.stage) || fail('custom.stack.stage is empty');
  const queuePrefix = text(stack.queuePrefix);
  if (!QUEUE_PREFIX.test(queuePrefix)) fail(`custom.stack.queuePrefix must match ${QUEUE_PREFIX}`);
  const customDomain = text(stack.customDomain).toLowerCase();
  const certificateArn = text(stack.certificateArn);
  const mtlsTruststoreUri = text(stack.mtlsTruststoreUri);
  if (customDomain !== '' && certificateArn === '')
    fail('customDomain needs certificateArn (ACM, same region)');
  if (mtlsTruststoreUri !== '' && customDomain === '') fail('mutual TLS needs customDomain');
  if (mtlsTruststoreUri !== '' && !/^s3:\/\/[a-z0-9.-]+\/.+/.test(mtlsTruststoreUri)) {
    fail('mtlsTruststoreUri must be s3://bucket/key');
  }
  return Object.freeze({
    service,
    stage,
    queuePrefix,
    consumers: parseConsumers(consumersRaw, queuePrefix, service, stage),
    maxReceiveCount: integer('maxReceiveCount', stack.maxReceiveCount, 1, 1000),
    maxBodyBytes: integer('PHI_MAX_BODY_BYTES', stack.maxBodyBytes, 1024, LAMBDA_BODY_MAX),
    auditRetentionDays: integer('auditRetentionDays', stack.auditRetentionDays, 1, 36500),
    logRetentionDays: integer('logRetentionDays', stack.logRetentionDays, 1, 3653),
    accessLogRetentionDays: integer('accessLogRetentionDays', stack.accessLogRetentionDays, 1, 3653),
    noncurrentVersionDays: integer('noncurrentVersionDays', stack.noncurrentVersionDays, 1, 3650),
    process: worker('process', stack.process),
    deliver: worker('deliver', stack.deliver),
    // Bulk verification streams files of up to 5 GiB: one vCPU, Lambda's longest timeout.
    uploadArrived: worker(
      'uploadArrived',
      stack.uploadArrived ?? { memorySize: 1769, timeout: 900, reservedConcurrency: 10 },
    ),
    api: Object.freeze({
      rateLimit: integer('api.rateLimit', stack.api?.rateLimit, 1, 100000),
      burstLimit: integer('api.burstLimit', stack.api?.burstLimit, 1, 100000),
      tokenRateLimit: integer('api.tokenRateLimit', stack.api?.tokenRateLimit, 1, 100000),
      tokenBurstLimit: integer('api.tokenBurstLimit', stack.api?.tokenBurstLimit, 1, 100000),
    }),
    customDomain,
    certificateArn,
    mtlsTruststoreUri,
    mtlsTruststoreVersion: text(stack.mtlsTruststoreVersion),
    alarmEmail: text(stack.alarmEmail),
    operatorRoles: list(stack.operatorRoles),
    // Anomaly alarms (deploy/observability.cjs, docs/alarms.md).
    alarms: Object.freeze({
      authFailures: integer('alarms.authFailures', stack.alarms?.authFailures ?? 20, 0, 1000000),
      signatureFailures: integer(
        'alarms.signatureFailures',
        stack.alarms?.signatureFailures ?? 5,
        0,
        1000000,
      ),
      digestFailures: integer('alarms.digestFailures', stack.alarms?.digestFailures ?? 5, 0, 1000000),
      deliverBacklog: integer('alarms.deliverBacklog', stack.alarms?.deliverBacklog ?? 1000, 0, 1000000),
    }),
    siemDestinationArn: text(stack.siemDestinationArn),
  });
}

module.exports = { parseSettings, pascal, CONSUMER_ID, LAMBDA_BODY_MAX };
