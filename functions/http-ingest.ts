import { ingestSubmission } from '../shared/app/ingest-submission.js';
import { getDeps } from '../shared/runtime/deps.js';
import { signedSubmissionOf } from '../shared/runtime/http-event.js';
import { createHttpHandler } from '../shared/runtime/http-handler.js';
import { jsonResponse } from '../shared/runtime/http-response.js';

/** POST /v1/bundles and POST /v1/claims */
export const createHandler = (deps = getDeps) =>
  createHttpHandler(deps, async (d, event) => {
    const accepted = await ingestSubmission(d, {
      kind: event.routeKey === 'POST /v1/claims' ? 'claim' : 'bundle',
      ...signedSubmissionOf(event),
    });
    return jsonResponse(
      accepted.httpStatus,
      { submissionId: accepted.submissionId, status: 'accepted', contentDigest: accepted.contentDigest },
      { headers: { Location: `/v1/submissions/${accepted.submissionId}` } },
    );
  });

export const handler = createHandler();
