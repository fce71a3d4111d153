import type { SQSEvent } from 'aws-lambda';
import { toSqsRecord } from '../../local/queue-poller.js';

/** A first delivery (receive count 1) of these bodies, mapped exactly as the local poller maps messages. */
export const sqsEvent = (
  queue: string,
  messages: readonly { body: string; messageId: string }[],
): SQSEvent => ({
  Records: messages.map(({ body, messageId }) =>
    toSqsRecord(queue, {
      messageId,
      receiptHandle: `r-${messageId}`,
      body,
      receiveCount: 1,
      sentAt: 0,
      attributes: {},
    }),
  ),
});
