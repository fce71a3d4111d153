import { createHash, randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { Queue, QueueMessage } from '../shared/ports/index.js';
import { logFailure } from '../shared/runtime/logger.js';
import type { SqsHandler } from '../shared/runtime/sqs-handler.js';
import { localLambdaContext } from './lambda-context.js';

export interface QueuePollerOptions {
  readonly queueName: string;
  readonly queue: Queue;
  readonly handler: SqsHandler;
  readonly functionName: string;
  readonly batchSize?: number;
  readonly visibilityTimeoutSeconds?: number;
  readonly waitTimeSeconds?: number;
}

export interface QueuePoller {
  stop(): Promise<void>;
}

/** The SQSRecord Lambda's event source mapping would hand a function for this message. */
export function toSqsRecord(queueName: string, m: QueueMessage): SQSRecord {
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [k, v] of Object.entries(m.attributes))
    messageAttributes[k] = { stringValue: v, dataType: 'String' };
  return {
    messageId: m.messageId,
    receiptHandle: m.receiptHandle,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: String(m.sentAt),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes,
    md5OfBody: createHash('md5').update(m.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:local:000000000000:${queueName}`,
    awsRegion: 'local',
  };
}

/**
 * Stands in for Lambda's SQS event source mapping: receive a batch, invoke the handler with an
 * SQSEvent, delete what succeeded, leave `batchItemFailures` (and everything, if the handler threw)
 * to reappear after their visibility timeout.
 */
export function startQueuePoller(opts: QueuePollerOptions): QueuePoller {
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const messages = await opts.queue.receive(opts.queueName, {
          maxMessages: opts.batchSize ?? 10,
          visibilityTimeoutSeconds: opts.visibilityTimeoutSeconds ?? 30,
          waitTimeSeconds: opts.waitTimeSeconds ?? 1,
        });
        if (messages.length === 0) continue;
        const event: SQSEvent = { Records: messages.map((m) => toSqsRecord(opts.queueName, m)) };
        const response = await opts.handler(event, localLambdaContext(opts.functionName, randomUUID()));
        const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        // Together, so a queue that groups writes commits them at once.
        await Promise.all(
          messages
            .filter((m) => !failed.has(m.messageId))
            .map((m) => opts.queue.delete(opts.queueName, m.receiptHandle)),
        );
      } catch (error) {
        logFailure('queue poller: batch left for redelivery', error, { queue: opts.queueName });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
