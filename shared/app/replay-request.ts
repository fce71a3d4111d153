import { z } from 'zod';
import { PipelineError } from '../core/errors.js';
import { MESSAGE_ID, OPERATOR_ID, QUEUE_NAME } from '../core/ids.js';
import { type ReplayReport, type ReplaySelection, replayDeadLetters } from './dead-letter-admin.js';
import { TICKET } from './operator-actions.js';

const MAX_IDS = 1000;

const ids = z.array(z.string().regex(MESSAGE_ID)).min(1).max(MAX_IDS);

/**
 * `aws lambda invoke --payload '{"all":true,"operator":"alice","ticket":"CHG-12"}'`: the event of the
 * replay function. Exactly one of `all`, `ids`, `submissions`; `operator`, `ticket` and `host` (the
 * invoking machine, when the caller says) are what the audit log records.
 */
export const ReplayEventSchema = z
  .object({
    queue: z.string().regex(QUEUE_NAME).optional(),
    all: z.literal(true).optional(),
    ids: ids.optional(),
    submissions: ids.optional(),
    dryRun: z.boolean().optional(),
    operator: z.string().regex(OPERATOR_ID),
    ticket: z.string().regex(TICKET),
    host: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,253}$/)
      .optional(),
  })
  .strict();
export type ReplayEvent = z.infer<typeof ReplayEventSchema>;

export interface ReplayResponse extends ReplayReport {
  readonly operator: string;
  readonly ticket: string;
  readonly dryRun: boolean;
  readonly counts: { readonly replayed: number; readonly wouldReplay: number; readonly alreadyMoved: number };
}

/** What the replay function logs of a request: the operator, the kind of selection and counts, no ids. */
export interface ReplaySummary {
  readonly operator: string;
  readonly ticket: string;
  readonly selection: ReplaySelection['kind'];
  readonly dryRun: boolean;
  readonly replayed: number;
  readonly wouldReplay: number;
  readonly alreadyMoved: number;
  readonly unmatched: number;
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

/**
 * The replay function's use case: validates an invoke event and moves the selected dead letters back
 * through `replayDeadLetters`, which audits every move under the operator's name.
 */
export async function replayOnRequest(
  deps: Parameters<typeof replayDeadLetters>[0],
  event: unknown,
): Promise<{ response: ReplayResponse; summary: ReplaySummary }> {
  const { request, selection } = parseReplayEvent(event);
  const dryRun = request.dryRun === true;
  const report = await replayDeadLetters(deps, {
    ...(request.queue === undefined ? {} : { queue: request.queue }),
    selection,
    dryRun,
    operator: request.operator,
    ticket: request.ticket,
    // Without a host from the invoker the function's own is the truthful answer: where it ran.
    ...(request.host === undefined ? {} : { host: request.host }),
  });
  const count = (outcome: string) => report.results.filter((r) => r.outcome === outcome).length;
  const counts = {
    replayed: count('replayed'),
    wouldReplay: count('would-replay'),
    alreadyMoved: count('already-moved'),
  };
  return {
    response: { ...report, operator: request.operator, ticket: request.ticket, dryRun, counts },
    summary: {
      operator: request.operator,
      ticket: request.ticket,
      selection: selection.kind,
      dryRun,
      ...counts,
      unmatched: report.unmatched.length,
    },
  };
}
