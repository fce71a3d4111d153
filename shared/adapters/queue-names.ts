import { PipelineError } from '../core/errors.js';
import { QUEUE_NAME } from '../core/ids.js';

/** Rules both queue adapters apply as SQS does: names, the dead-letter suffix, integer options. */
export const DLQ_SUFFIX = '-dlq';

export const isDeadLetterQueue = (queue: string): boolean => queue.endsWith(DLQ_SUFFIX);

/**
 * SQS names: 1-80 of [A-Za-z0-9_-], with the physical prefix (if any); a source queue leaves room for
 * its `-dlq` suffix.
 */
export function assertQueueName(queue: string, prefixLength = 0): void {
  const maxLength = (isDeadLetterQueue(queue) ? 80 : 80 - DLQ_SUFFIX.length) - prefixLength;
  if (!QUEUE_NAME.test(queue) || queue.length > maxLength) {
    throw new PipelineError('config-invalid', `queue name must be 1-${maxLength} of [A-Za-z0-9_-]`, {
      details: { rule: 'name' },
    });
  }
}

export function assertIntegerIn(value: number, min: number, max: number, name: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new PipelineError('content-invalid', `${name} must be an integer from ${min} to ${max}`, {
      details: { option: name },
    });
  }
}
