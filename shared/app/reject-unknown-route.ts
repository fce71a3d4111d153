import { reject } from '../core/errors.js';
import { recordAudit } from './audit-events.js';
import type { PipelineDeps } from './pipeline-deps.js';

/** No such route: refused like every other bad request, with its one audit record. */
export async function rejectUnknownRoute(
  deps: PipelineDeps,
  req: { readonly requestId: string; readonly sourceIp: string },
): Promise<never> {
  await recordAudit(deps.audit, deps.clock, {
    actor: { type: 'anonymous', id: 'unknown' },
    action: 'request.rejected',
    outcome: 'failure',
    code: 'not-found',
    requestId: req.requestId,
    sourceIp: req.sourceIp,
  });
  throw reject('not-found', 'no such route');
}
