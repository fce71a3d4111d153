import { type ReplayResponse, replayOnRequest } from '../shared/app/replay-request.js';
import { getDeps } from '../shared/runtime/deps.js';
import { createInvokeHandler, type InvokeHandler } from '../shared/runtime/invoke-handler.js';
import { logger } from '../shared/runtime/logger.js';

export {
  parseReplayEvent,
  type ReplayEvent,
  ReplayEventSchema,
  type ReplayResponse,
} from '../shared/app/replay-request.js';

export type ReplayHandler = InvokeHandler<ReplayResponse>;

/**
 * `aws lambda invoke` with `{"all":true,"operator":"alice"}` (or `ids`, `submissions`, `queue`,
 * `dryRun`): moves dead letters back to their source queues, each move audited under the operator.
 */
export const createHandler = (deps = getDeps): ReplayHandler =>
  createInvokeHandler(deps, async (d, event) => {
    const { response, summary } = await replayOnRequest(d, event);
    logger.info('dead-letter replay', { ...summary });
    return response;
  });

export const handler = createHandler();
