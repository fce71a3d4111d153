import { getUploadErrors } from '../shared/app/uploads/upload-errors.js';
import { getDeps } from '../shared/runtime/deps.js';
import { header, requestIdOf, sourceIpOf } from '../shared/runtime/http-event.js';
import { createHttpHandler } from '../shared/runtime/http-handler.js';

/** GET /v1/submissions/{id}/errors: a bulk submission's per-line OperationOutcome NDJSON (SPEC §5). */
export const createHandler = (deps = getDeps) =>
  createHttpHandler(deps, async (d, event) => {
    const ndjson = await getUploadErrors(d, {
      authorization: header(event, 'authorization'),
      submissionId: event.pathParameters?.id ?? '',
      requestId: requestIdOf(event),
      sourceIp: sourceIpOf(event),
    });
    return {
      statusCode: 200,
      headers: { 'Content-Type': 'application/fhir+ndjson' },
      body: new TextDecoder().decode(ndjson),
    };
  });

export const handler = createHandler();
