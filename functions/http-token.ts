import { issueToken } from '../shared/app/issue-token.js';
import { getDeps } from '../shared/runtime/deps.js';
import { bodyBytes, header, requestIdOf, sourceIpOf } from '../shared/runtime/http-event.js';
import { createHttpHandler } from '../shared/runtime/http-handler.js';
import { jsonResponse } from '../shared/runtime/http-response.js';

/** POST /v1/token */
export const createHandler = (deps = getDeps) =>
  createHttpHandler(deps, async (d, event) =>
    jsonResponse(
      200,
      await issueToken(d, {
        contentType: header(event, 'content-type'),
        body: bodyBytes(event),
        requestId: requestIdOf(event),
        sourceIp: sourceIpOf(event),
      }),
      { headers: { Pragma: 'no-cache' } },
    ),
  );

export const handler = createHandler();
