import { rejectUnknownRoute } from '../shared/app/reject-unknown-route.js';
import { getDeps } from '../shared/runtime/deps.js';
import { requestIdOf, sourceIpOf } from '../shared/runtime/http-event.js';
import { createHttpHandler } from '../shared/runtime/http-handler.js';

/** $default: unknown routes answer in the same OperationOutcome shape as every other error. */
export const createHandler = (deps = getDeps) =>
  createHttpHandler(deps, (d, event) =>
    rejectUnknownRoute(d, { requestId: requestIdOf(event), sourceIp: sourceIpOf(event) }),
  );

export const handler = createHandler();
