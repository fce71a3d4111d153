import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import { PipelineError } from '../../core/errors.js';

export { assertIntegerIn, assertQueueName, DLQ_SUFFIX, isDeadLetterQueue } from '../queue-names.js';

/**
 * The adapter's own message attribute: the message id a replayed message keeps. SQS gives a re-sent
 * message a new MessageId; carrying the first one lets consumers and dead-letter replay see one message.
 */
export const ORIGIN_ID_ATTRIBUTE = 'phi.messageId';
const RESERVED_PREFIX = 'phi.';

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
export const MAX_BODY_BYTES = 256 * 1024;
/** SQS allows 10 message attributes; one is kept for ORIGIN_ID_ATTRIBUTE. */
export const MAX_ATTRIBUTES = 9;

export function assertBody(body: string): void {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes === 0 || bytes > MAX_BODY_BYTES) {
    throw new PipelineError('content-invalid', `message body must be 1 to ${MAX_BODY_BYTES} bytes`, {
      details: { limit: MAX_BODY_BYTES },
    });
  }
}

/** PHI-free string attributes as SQS String message attributes; SQS refuses empty values. */
export function encodeAttributes(
  attributes: Readonly<Record<string, string>>,
): Record<string, MessageAttributeValue> {
  const entries = Object.entries(attributes);
  if (entries.length > MAX_ATTRIBUTES) {
    throw new PipelineError('content-invalid', `at most ${MAX_ATTRIBUTES} message attributes`, {
      details: { option: 'attributes' },
    });
  }
  const encoded: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of entries) {
    if (
      !ATTRIBUTE_NAME.test(name) ||
      name.startsWith(RESERVED_PREFIX) ||
      /^(aws|amazon)\./i.test(name) ||
      typeof value !== 'string' ||
      value === ''
    ) {
      throw new PipelineError(
        'content-invalid',
        'message attribute names are [A-Za-z0-9_.-] outside the phi. namespace, values non-empty strings',
        { details: { option: 'attributes' } },
      );
    }
    encoded[name] = { DataType: 'String', StringValue: value };
  }
  return encoded;
}

/** The user's attributes of a received message (the adapter's own are not part of the port). */
export function decodeAttributes(message: Message): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (name.startsWith(RESERVED_PREFIX) || value.StringValue === undefined) continue;
    decoded[name] = value.StringValue;
  }
  return decoded;
}

/** The id the port shows: the first MessageId of a replayed message, else SQS's own. */
export const logicalMessageId = (message: Message): string =>
  message.MessageAttributes?.[ORIGIN_ID_ATTRIBUTE]?.StringValue ?? message.MessageId ?? '';

export const receiveCountOf = (message: Message): number =>
  Number(message.Attributes?.ApproximateReceiveCount ?? '0');

export const sentAtOf = (message: Message): number => Number(message.Attributes?.SentTimestamp ?? '0');
