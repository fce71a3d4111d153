import { createUpload } from '../shared/app/uploads/create-upload.js';
import { getDeps } from '../shared/runtime/deps.js';
import { signedSubmissionOf } from '../shared/runtime/http-event.js';
import { createHttpHandler } from '../shared/runtime/http-handler.js';
import { jsonResponse } from '../shared/runtime/http-response.js';

/** POST /v1/uploads: a bulk submission's manifest in, one signed PUT per declared file out (SPEC §5). */
export const createHandler = (deps = getDeps) =>
  createHttpHandler(deps, async (d, event) => {
    const created = await createUpload(d, signedSubmissionOf(event));
    return jsonResponse(
      created.httpStatus,
      { submissionId: created.submissionId, expiresAt: created.expiresAt, files: created.files },
      { headers: { Location: `/v1/submissions/${created.submissionId}` } },
    );
  });

export const handler = createHandler();
