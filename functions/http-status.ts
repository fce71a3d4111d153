import { getSubmissionStatus } from '../shared/app/get-submission-status.js';
import { getDeps } from '../shared/runtime/deps.js';
import { header, requestIdOf, sourceIpOf } from '../shared/runtime/http-event.js';
import { createHttpHandler } from '../shared/runtime/http-handler.js';
import { jsonResponse } from '../shared/runtime/http-response.js';

/** GET /v1/submissions/{id} */
export const createHandler = (deps = getDeps) =>
  createHttpHandler(deps, async (d, event) =>
    jsonResponse(
      200,
      await getSubmissionStatus(d, {
        authorization: header(event, 'authorization'),
        submissionId: event.pathParameters?.id ?? '',
        requestId: requestIdOf(event),
        sourceIp: sourceIpOf(event),
      }),
    ),
  );

export const handler = createHandler();
