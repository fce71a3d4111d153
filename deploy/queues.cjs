'use strict';

const { arnOf, ref, sqsArnOf } = require('./cfn.cjs');
const names = require('./names.cjs');

/** SQS's maximum; a message's age counts from its first enqueue, so the DLQ must keep it longest. */
const DEAD_LETTER_RETENTION_SECONDS = 1_209_600;
const SOURCE_RETENTION_SECONDS = 345_600;
/** Lambda guidance: a source queue's visibility is at least 6 x the function timeout + batching window. */
const VISIBILITY_FACTOR = 6;
/** `phi consume` holds a notification while it fetches, decrypts and writes one object. */
const NOTIFY_VISIBILITY_SECONDS = 300;

const visibilityFor = (worker) => VISIBILITY_FACTOR * worker.timeout + (worker.batchingWindow ?? 0);

/** A source queue and its dead-letter queue: SSE-KMS, redrive after maxReceiveCount, DLQ kept 14 days. */
function queuePair(settings, logicalId, name, visibilityTimeout) {
  const deadLetterId = names.queue.deadLetter(logicalId);
  const deadLetterName = names.queueName.deadLetter(name);
  const encryption = { KmsMasterKeyId: arnOf(names.key.storage), KmsDataKeyReusePeriodSeconds: 300 };
  return {
    [logicalId]: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: name,
        ...encryption,
        VisibilityTimeout: visibilityTimeout,
        MessageRetentionPeriod: SOURCE_RETENTION_SECONDS,
        RedrivePolicy: {
          deadLetterTargetArn: arnOf(deadLetterId),
          maxReceiveCount: settings.maxReceiveCount,
        },
      },
    },
    [deadLetterId]: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: deadLetterName,
        ...encryption,
        MessageRetentionPeriod: DEAD_LETTER_RETENTION_SECONDS,
        // Only its own source may dead-letter into it (and SQS redrive may move messages back only there).
        RedriveAllowPolicy: { redrivePermission: 'byQueue', sourceQueueArns: [sqsArnOf(name)] },
      },
    },
  };
}

/** Refuses plain-HTTP calls to the queues (one policy per group keeps it under the size limit). */
const transportPolicy = (queueIds) => ({
  Type: 'AWS::SQS::QueuePolicy',
  Properties: {
    Queues: queueIds.map(ref),
    PolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sqs:*',
          Resource: queueIds.map(arnOf),
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    },
  },
});

/**
 * The ingest queue (process function), and per consumer a deliver queue (its deliver function) and a
 * notification queue (read by the consumer itself), each with its DLQ. `workers` carries the timeouts.
 */
function queueResources(settings, workers) {
  const resources = {
    ...queuePair(
      settings,
      names.queue.ingest,
      names.queueName.ingest(settings),
      visibilityFor(workers.process),
    ),
    ...queuePair(
      settings,
      names.queue.uploadExpiry,
      names.queueName.uploadExpiry(settings),
      visibilityFor(workers.uploadArrived),
    ),
  };
  for (const consumer of settings.consumers) {
    Object.assign(
      resources,
      queuePair(
        settings,
        names.queue.deliver(consumer),
        names.queueName.deliver(settings, consumer),
        visibilityFor(workers.deliver),
      ),
      queuePair(
        settings,
        names.queue.notify(consumer),
        names.queueName.notify(settings, consumer),
        NOTIFY_VISIBILITY_SECONDS,
      ),
    );
  }
  const groups = [
    ['Ingest', [names.queue.ingest]],
    ['UploadExpiry', [names.queue.uploadExpiry]],
  ];
  for (const consumer of settings.consumers) {
    groups.push([
      `Consumer${consumer.logical}`,
      [names.queue.deliver(consumer), names.queue.notify(consumer)],
    ]);
  }
  for (const [group, sources] of groups) {
    const queueIds = sources.flatMap((id) => [id, names.queue.deadLetter(id)]);
    resources[`${group}QueuesTransportPolicy`] = transportPolicy(queueIds);
  }
  return resources;
}

/** Every queue logical id with its role: source queues and their DLQs. */
function queueCatalogue(settings) {
  const sources = [
    names.queue.ingest,
    names.queue.uploadExpiry,
    ...settings.consumers.flatMap((c) => [names.queue.deliver(c), names.queue.notify(c)]),
  ];
  return { sources, deadLetters: sources.map(names.queue.deadLetter) };
}

module.exports = {
  queueResources,
  queueCatalogue,
  visibilityFor,
  DEAD_LETTER_RETENTION_SECONDS,
  SOURCE_RETENTION_SECONDS,
};
