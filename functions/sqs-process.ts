import { submissionDeadLettered } from '../shared/app/dead-letters.js';
import { processSubmission } from '../shared/app/process-submission.js';
import { IngestMessageSchema } from '../shared/app/queue-messages.js';
import { getDeps } from '../shared/runtime/deps.js';
import { createSqsHandler } from '../shared/runtime/sqs-handler.js';

/** SQS `ingest` → fan-out to each consumer's deliver queue. */
export const createHandler = (deps = getDeps) =>
  createSqsHandler(deps, {
    schema: IngestMessageSchema,
    run: async (d, msg) => {
      await processSubmission(d, msg);
    },
    onDeadLetter: submissionDeadLettered,
  });

export const handler = createHandler();
