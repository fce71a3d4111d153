import { reject } from '../shared/core/errors.js';
import { getDeps } from '../shared/runtime/deps.js';
import { createHttpHandler } from '../shared/runtime/http-handler.js';

/** $default: unknown routes answer in the same OperationOutcome shape as every other error. */
export const createHandler = (deps = getDeps) =>
  createHttpHandler(deps, async () => {
    throw reject('not-found', 'no such route');
  });

export const handler = createHandler();
