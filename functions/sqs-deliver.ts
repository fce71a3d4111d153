import { holdIfConsumerDisabled } from '../shared/app/consumer-state.js';
import { consumerShareDeadLettered } from '../shared/app/dead-letters.js';
import { deliverToConsumer } from '../shared/app/deliver-to-consumer.js';
import { DeliverMessageSchema } from '../shared/app/queue-messages.js';
import { getDeps } from '../shared/runtime/deps.js';
import { createSqsHandler } from '../shared/runtime/sqs-handler.js';

/** SQS `deliver-<consumer>` → the consumer's de-identified, encrypted copy and its notification. */
export const createHandler = (deps = getDeps) =>
  createSqsHandler(deps, {
    schema: DeliverMessageSchema,
    run: async (d, msg, attempt) => {
      if (await holdIfConsumerDisabled(d, msg)) return;
      await deliverToConsumer(d, msg, attempt);
    },
    onDeadLetter: consumerShareDeadLettered,
  });

export const handler = createHandler();
