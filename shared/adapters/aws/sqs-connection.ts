import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { PipelineError } from '../../core/errors.js';
import { awsErrorName, awsFailureDetails } from './aws-errors.js';
import { assertQueueName } from './sqs-messages.js';

export interface SqsConnectionOptions {
  /** Physical SQS name = prefix + the port's queue name (e.g. `phi-prod-` + `ingest`). */
  readonly queuePrefix?: string;
  /** Queue URLs by the port's queue name; names not listed are looked up with GetQueueUrl. */
  readonly queueUrls?: Readonly<Record<string, string>>;
  /** Replaces GetQueueUrl for names not in `queueUrls` (tests provision queues on demand with it). */
  readonly resolveQueueUrl?: (physicalName: string) => Promise<string>;
}

const SYSTEM_ATTRIBUTES = ['ApproximateReceiveCount', 'SentTimestamp'] as const;
const STALE_HANDLE_ERRORS = new Set([
  'ReceiptHandleIsInvalid',
  'InvalidReceiptHandle',
  'MessageNotInflight',
  'AWS.SimpleQueueService.MessageNotInflight',
]);
const MISSING_QUEUE_ERRORS = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']);

export const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

export function failure(operation: string, queue: string, error: unknown): PipelineError {
  if (error instanceof PipelineError) return error;
  if (MISSING_QUEUE_ERRORS.has(awsErrorName(error))) {
    return new PipelineError('config-invalid', 'queue does not exist', {
      details: { operation, queue, reason: 'queue-missing' },
      cause: error,
    });
  }
  return new PipelineError('queue-unavailable', `queue ${operation} failed`, {
    retryable: true,
    details: { operation, queue, ...awsFailureDetails(error) },
    cause: error,
  });
}

export const isMissingQueue = (error: unknown): boolean =>
  error instanceof PipelineError && error.details?.reason === 'queue-missing';

/** A receipt handle SQS no longer knows (deleted, or never valid). */
export const isStaleHandle = (error: unknown): boolean =>
  error instanceof PipelineError && STALE_HANDLE_ERRORS.has(awsErrorName(error.cause));

/**
 * The SQS client and the queue URLs under one prefix, shared by SqsQueue and SqsDeadLetters: URL lookup
 * (once per name and process), error mapping, and the raw receive and release both build on.
 */
export class SqsConnection {
  readonly prefix: string;
  private readonly urls = new Map<string, Promise<string>>();

  constructor(
    readonly sqs: SQSClient,
    private readonly settings: SqsConnectionOptions = {},
  ) {
    this.prefix = settings.queuePrefix ?? '';
    if (!/^[A-Za-z0-9_-]{0,40}$/.test(this.prefix)) {
      throw new PipelineError('config-invalid', 'queue prefix must be 0-40 of [A-Za-z0-9_-]', {
        details: { rule: 'prefix' },
      });
    }
  }

  /** Port names of the queues given by URL in the settings. */
  configuredQueues(): string[] {
    return Object.keys(this.settings.queueUrls ?? {});
  }

  /** The URL of a queue by the port's name; looked up once per name and process. */
  urlOf(queue: string): Promise<string> {
    assertQueueName(queue, this.prefix.length);
    const configured = this.settings.queueUrls?.[queue];
    if (configured !== undefined) return Promise.resolve(configured);
    let url = this.urls.get(queue);
    if (url === undefined) {
      url = this.lookUp(queue);
      this.urls.set(queue, url);
      url.catch(() => this.urls.delete(queue));
    }
    return url;
  }

  private async lookUp(queue: string): Promise<string> {
    const physical = `${this.prefix}${queue}`;
    try {
      if (this.settings.resolveQueueUrl !== undefined) return await this.settings.resolveQueueUrl(physical);
      const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: physical }));
      if (QueueUrl === undefined)
        throw new PipelineError('queue-unavailable', 'GetQueueUrl answered without a URL', {
          retryable: true,
        });
      return QueueUrl;
    } catch (error) {
      throw failure('resolve', queue, error);
    }
  }

  async call<T>(operation: string, queue: string, run: (url: string) => Promise<T>): Promise<T> {
    const url = await this.urlOf(queue);
    try {
      return await run(url);
    } catch (error) {
      throw failure(operation, queue, error);
    }
  }

  receiveRaw(
    url: string,
    maxMessages: number,
    visibilityTimeoutSeconds: number | undefined,
    waitTimeSeconds: number,
  ): Promise<Message[]> {
    return this.sqs
      .send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: maxMessages,
          WaitTimeSeconds: waitTimeSeconds,
          ...(visibilityTimeoutSeconds === undefined ? {} : { VisibilityTimeout: visibilityTimeoutSeconds }),
          MessageSystemAttributeNames: [...SYSTEM_ATTRIBUTES],
          MessageAttributeNames: ['All'],
        }),
      )
      .then((response) => response.Messages ?? []);
  }

  /** Makes messages this adapter hid visible again; best effort (they reappear on their own anyway). */
  async release(url: string, handles: readonly string[]): Promise<void> {
    for (const chunk of chunks(handles, 10)) {
      await this.sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: url,
            Entries: chunk.map((handle, i) => ({ Id: `m${i}`, ReceiptHandle: handle, VisibilityTimeout: 0 })),
          }),
        )
        .catch(() => undefined);
    }
  }
}
