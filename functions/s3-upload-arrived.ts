import type { Context, SQSEvent } from 'aws-lambda';
import { type LandedObject, uploadArrived } from '../shared/app/uploads/arrival.js';
import { checkUploadExpiry } from '../shared/app/uploads/expiry.js';
import { ExpiryMessageSchema } from '../shared/app/uploads/expiry-message.js';
import { isS3Event, landedObjects } from '../shared/app/uploads/s3-event.js';
import { getDeps } from '../shared/runtime/deps.js';
import { createInvokeHandler } from '../shared/runtime/invoke-handler.js';
import { logFailure } from '../shared/runtime/logger.js';
import { createSqsHandler } from '../shared/runtime/sqs-handler.js';

/**
 * uploadArrived: S3 `ObjectCreated` events on `uploads/` (invoked by S3 on AWS, by the local host's
 * upload route embedded) record and verify bulk files; the delayed `upload-expiry` SQS messages
 * settle submissions whose files did not all arrive in time.
 */
export const createExpiryHandler = (deps = getDeps) =>
  createSqsHandler(deps, {
    schema: ExpiryMessageSchema,
    run: (d, message) => checkUploadExpiry(d, message),
    onDeadLetter: async (_d, message, code) => {
      logFailure('upload expiry check dead-lettered', undefined, {
        code,
        ...(message === undefined ? {} : { submissionId: message.submissionId }),
      });
    },
  });

export const createHandler = (deps = getDeps) => {
  const arrivals = createInvokeHandler(deps, async (d, event) => {
    const objects: LandedObject[] = landedObjects(event);
    for (const object of objects) await uploadArrived(d, object);
    return { objects: objects.length };
  });
  const expiries = createExpiryHandler(deps);
  return (event: unknown, context: Context): Promise<unknown> =>
    isS3Event(event) ? arrivals(event, context) : expiries(event as SQSEvent, context);
};

export const handler = createHandler();
