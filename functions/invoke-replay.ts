import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import {
  type ReplayReport,
  type ReplaySelection,
  replayDeadLetters,
} from '../shared/app/dead-letter-admin.js';
import { PipelineError } from '../shared/core/errors.js';
import { getDeps } from '../shared/runtime/deps.js';
import type { GetDeps } from '../shared/runtime/http-handler.js';
import { logger, tracer, withInvocationLogger } from '../shared/runtime/logger.js';

/** The same operator alphabet as `phi dlq replay --operator`. */
const OPERATOR_ID = /^[A-Za-z0-9._@:+-]{1,128}$/;
/** Message and submission ids as the dead-letter views show them. */
const MESSAGE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** A logical queue name (`ingest`, `deliver-<consumer>`, …) or its `-dlq`; never the prefixed name. */
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const MAX_IDS = 1000;

const ids = z.array(z.string().regex(MESSAGE_ID)).min(1).max(MAX_IDS);

/**
 * `aws lambda invoke --payload '{"all":true,"operator":"alice"}'`: the event of the replay function.
 * Exactly one of `all`, `ids`, `submissions`; `operator` is the identity the audit log records.
 */
export const ReplayEventSchema = z
  .object({
    queue: z.string().regex(QUEUE_NAME).optional(),
    all: z.literal(true).optional(),
    ids: ids.optional(),
    submissions: ids.optional(),
    dryRun: z.boolean().optional(),
    operator: z.string().regex(OPERATOR_ID),
  })
  .strict();
export type ReplayEvent = z.infer<typeof ReplayEventSchema>;

export interface ReplayResponse extends ReplayReport {
  readonly operator: string;
  readonly dryRun: boolean;
  readonly counts: { readonly replayed: number; readonly wouldReplay: number; readonly alreadyMoved: number };
}

/** Names the offending fields only: an invoker's payload is never echoed back. */
export function parseReplayEvent(event: unknown): { request: ReplayEvent; selection: ReplaySelection } {
  const parsed = ReplayEventSchema.safeParse(event);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? '(event)')))];
    throw new PipelineError(
      'content-invalid',
      `invalid replay request field(s): ${fields.sort().join(', ')}`,
      {
        details: { fields },
      },
    );
  }
  const request = parsed.data;
  const given = [request.all, request.ids, request.submissions].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new PipelineError('content-invalid', 'give exactly one of all, ids, submissions', {
      details: { fields: ['all', 'ids', 'submissions'] },
    });
  }
  const selection: ReplaySelection =
    request.ids !== undefined
      ? { kind: 'ids', ids: request.ids }
      : request.submissions !== undefined
        ? { kind: 'submissions', submissionIds: request.submissions }
        : { kind: 'all' };
  return { request, selection };
}

export type ReplayHandler = (event: unknown, context: Context) => Promise<ReplayResponse>;

/**
 * Operator-invoked only (no event source; IAM decides who may invoke it). Moves dead letters back to
 * their source queues through `replayDeadLetters`, which audits every move under the operator's name.
 */
export const createHandler = (deps: GetDeps = getDeps): ReplayHandler => {
  const core = async (event: unknown): Promise<ReplayResponse> => {
    const { request, selection } = parseReplayEvent(event);
    const dryRun = request.dryRun === true;
    const report = await replayDeadLetters(await deps(), {
      ...(request.queue === undefined ? {} : { queue: request.queue }),
      selection,
      dryRun,
      operator: request.operator,
    });
    const count = (outcome: string) => report.results.filter((r) => r.outcome === outcome).length;
    const counts = {
      replayed: count('replayed'),
      wouldReplay: count('would-replay'),
      alreadyMoved: count('already-moved'),
    };
    logger.info('dead-letter replay', {
      operator: request.operator,
      selection: selection.kind,
      dryRun,
      ...counts,
      unmatched: report.unmatched.length,
    });
    return { ...report, operator: request.operator, dryRun, counts };
  };
  const handler = middy<unknown, ReplayResponse, Error, Context>(core, { timeoutEarlyInMillis: 0 }).use(
    captureLambdaHandler(tracer, { captureResponse: false }),
  ) as unknown as ReplayHandler;
  return withInvocationLogger(handler);
};

export const handler = createHandler();
