import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { type FailureLocation, failureLocation, recordFailure } from '../app/failures.js';
import type { PipelineDeps } from '../app/pipeline-deps.js';
import { queueNames, queueOfArn } from '../app/queue-names.js';
import { retryBriefly } from '../app/retry-briefly.js';
import { PipelineError } from '../core/errors.js';
import type { GetDeps } from './http-handler.js';
import { logFailure, metrics, tracer, withInvocationLogger } from './logger.js';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface SqsAttempt {
  /** Stable across redeliveries of the same message. */
  readonly messageId: string;
  readonly receiveCount: number;
}

export interface SqsWorker<M> {
  readonly schema: z.ZodType<M>;
  run(deps: PipelineDeps, message: M, attempt: SqsAttempt): Promise<void>;
  /** Records the dead-lettering (status, audit); `message` is undefined when the body was unreadable. */
  onDeadLetter(
    deps: PipelineDeps,
    message: M | undefined,
    code: string,
    where?: FailureLocation,
  ): Promise<void>;
}

/** Seconds a failed message stays invisible before its next try: exponential, capped. */
export const backoffSeconds = (receiveCount: number, baseSeconds: number): number =>
  Math.min(900, Math.round(baseSeconds * 2 ** Math.max(0, receiveCount - 1)));

async function bestEffort(what: string, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    logFailure(`sqs worker: ${what} failed`, error);
  }
}

const codeOf = (error: unknown): string => (error instanceof PipelineError ? error.code : 'internal');

/**
 * An SQS worker with partial batch responses. Permanent failures (bad message, bad contract, bad
 * ciphertext, invalid content) go straight to the dead-letter queue with a reason code and are
 * acknowledged, so a poison message never cycles. Transient failures back off and are retried; the
 * last allowed try marks the work dead-lettered before the queue moves it.
 */
export function createSqsHandler<M>(getDeps: GetDeps, worker: SqsWorker<M>): SqsHandler {
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const deps = await getDeps();
    const queue = queueOfArn(record.eventSourceARN, deps.settings.queuePrefix);
    const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
    let message: M | undefined;
    try {
      let body: unknown;
      try {
        body = JSON.parse(record.body);
      } catch {
        throw new PipelineError('content-invalid', 'the message body is not JSON');
      }
      const parsed = worker.schema.safeParse(body);
      if (!parsed.success)
        throw new PipelineError('content-invalid', 'the message does not match its schema');
      message = parsed.data;
      await worker.run(deps, message, { messageId: record.messageId, receiveCount });
    } catch (error) {
      const code = codeOf(error);
      const at = deps.clock.now().toISOString();
      const permanent = error instanceof PipelineError && !error.retryable;
      const where = error instanceof PipelineError ? failureLocation(error.details) : undefined;
      logFailure(permanent ? 'dead-lettered' : 'will retry', error, {
        queue,
        messageId: record.messageId,
        receiveCount,
        ...(where === undefined ? {} : { path: where.path, pathKind: where.kind }),
      });
      // Bookkeeping is best effort: its own failure must not skip the backoff or the dead-lettering.
      await bestEffort('failure record', () =>
        recordFailure(deps.objects, queue, record.messageId, code, at, where),
      );
      if (permanent) {
        // If this send fails the error below fails the record, and the queue retries it.
        await deps.queue.send(queueNames.deadLetter(queue), record.body, {
          attributes: { failureReason: code, originalMessageId: record.messageId },
        });
        await bestEffort('dead-letter bookkeeping', () =>
          retryBriefly(() => worker.onDeadLetter(deps, message, code, where)),
        );
        metrics.addMetric('deadLettered', 'Count', 1);
        // A copy the release gate stopped: its own alarmable count.
        if (code === 'residual-phi') metrics.addMetric('residualPhi', 'Count', 1);
        return;
      }
      if (receiveCount >= deps.settings.maxReceiveCount) {
        await bestEffort('dead-letter bookkeeping', () =>
          retryBriefly(() => worker.onDeadLetter(deps, message, code)),
        );
        metrics.addMetric('deadLettered', 'Count', 1);
      } else {
        await bestEffort('backoff', () =>
          deps.queue.changeVisibility(
            queue,
            record.receiptHandle,
            backoffSeconds(receiveCount, deps.settings.retryBaseSeconds),
          ),
        );
      }
      throw error;
    }
  };
  const core = (event: SQSEvent, context: Context) => {
    // One processor per invocation: its batch state must not be shared by concurrent invocations
    // (the local host runs them concurrently; one Lambda container runs one at a time).
    const processor = new BatchProcessor(EventType.SQS);
    metrics.addMetric('messagesReceived', 'Count', event.Records.length);
    return processPartialResponse(event, recordHandler, processor, {
      context,
      throwOnFullBatchFailure: false,
    });
  };
  const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>(core, { timeoutEarlyInMillis: 0 })
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(logMetrics(metrics)) as unknown as SqsHandler;
  return withInvocationLogger(handler);
}
