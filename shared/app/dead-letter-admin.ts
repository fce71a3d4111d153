import { MESSAGE_ID } from '../core/ids.js';
import type { DeadLetter } from '../ports/index.js';
import { readFailure } from './failures.js';
import { type OperatorContext, recordOperatorAction } from './operator-actions.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { ConsumerNotificationSchema, DeliverMessageSchema, IngestMessageSchema } from './queue-messages.js';
import { queueNames } from './queue-names.js';

const DLQ_SUFFIX = queueNames.deadLetter('');

/** `--queue` may name the source queue or its dead-letter queue; the port wants the source. */
export const sourceQueueOf = (queue: string): string =>
  queue.endsWith(DLQ_SUFFIX) ? queue.slice(0, -DLQ_SUFFIX.length) : queue;

/** What an operator may see of a dead letter: ids, codes and counts, never the body. */
export interface DeadLetterView {
  readonly messageId: string;
  /** The dead-letter queue holding it. */
  readonly queue: string;
  /** Where a replay sends it. */
  readonly sourceQueue: string;
  /** First failure reason code, or `unknown`. */
  readonly reason: string;
  readonly receiveCount: number;
  readonly sentAt: number;
  readonly ageSeconds: number;
  /** `type` of one of our message schemas, when the body is one. */
  readonly messageType?: string;
  readonly submissionId?: string;
  readonly consumer?: string;
  /** Where in the content it failed (`residual-phi`: the path the release gate flagged), never a value. */
  readonly path?: string;
  /** What was found there (`name`, `date-precision`, …). */
  readonly pathKind?: string;
}

/** Ids and codes pass only if they look like ids; anything else (or a body that is not ours) stays hidden. */
const SAFE_CODE = /^[A-Za-z0-9._-]{1,64}$/;
const safe = (value: string | undefined, pattern: RegExp): string | undefined =>
  value !== undefined && pattern.test(value) ? value : undefined;

interface BodyIds {
  readonly messageType?: string;
  readonly submissionId?: string;
  readonly consumer?: string;
}

function idsOfBody(body: string): BodyIds {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return {};
  }
  const ingest = IngestMessageSchema.safeParse(json);
  if (ingest.success) return { messageType: ingest.data.type, submissionId: ingest.data.submissionId };
  const deliver = DeliverMessageSchema.safeParse(json);
  const notification = deliver.success ? deliver : ConsumerNotificationSchema.safeParse(json);
  if (!notification.success) return {};
  const { type, submissionId, consumer } = notification.data;
  return { messageType: type, submissionId, consumer };
}

const withoutUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

async function viewOf(
  deps: Pick<PipelineDeps, 'objects'>,
  letter: DeadLetter,
  now: number,
): Promise<DeadLetterView> {
  // A permanent failure is re-sent to the DLQ as a new message; its failure record is under the original id.
  const originalId = letter.attributes.originalMessageId ?? letter.messageId;
  const failure = await readFailure(deps.objects, letter.sourceQueue, originalId).catch(() => undefined);
  const ids = idsOfBody(letter.body);
  return withoutUndefined({
    messageId: letter.messageId,
    queue: letter.queue,
    sourceQueue: letter.sourceQueue,
    reason: safe(letter.attributes.failureReason ?? failure?.firstReason, SAFE_CODE) ?? 'unknown',
    receiveCount: Math.max(letter.receiveCount, failure?.attempts ?? 0),
    sentAt: letter.sentAt,
    ageSeconds: Math.max(0, Math.floor((now - letter.sentAt) / 1000)),
    messageType: safe(ids.messageType, SAFE_CODE),
    submissionId: safe(ids.submissionId, MESSAGE_ID),
    consumer: safe(ids.consumer, MESSAGE_ID),
    path: failure?.where?.path,
    pathKind: failure?.where?.kind,
  });
}

/** Every dead-lettered message (of one queue when given), oldest first. */
export async function listDeadLetters(
  deps: Pick<PipelineDeps, 'deadLetters' | 'objects' | 'clock'>,
  queue?: string,
): Promise<DeadLetterView[]> {
  const letters = await deps.deadLetters.list(queue === undefined ? undefined : sourceQueueOf(queue));
  const now = deps.clock.now().getTime();
  const views: DeadLetterView[] = [];
  for (const letter of letters) views.push(await viewOf(deps, letter, now));
  return views;
}

/** `90` → `1m`: the largest whole unit, as operators read ages. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.floor(seconds))}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

export type ReplaySelection =
  | { readonly kind: 'all' }
  /** Dead-letter message ids; the id a permanently failed message had on its source queue matches too. */
  | { readonly kind: 'ids'; readonly ids: readonly string[] }
  | { readonly kind: 'submissions'; readonly submissionIds: readonly string[] };

export interface ReplayRequest {
  readonly queue?: string;
  readonly selection: ReplaySelection;
  readonly dryRun: boolean;
  /** Recorded as the audit actor (`operator`), with the ticket and host of `OperatorContext`. */
  readonly operator: string;
  /** The change or incident reference (TICKET) every move's audit record carries. */
  readonly ticket: string;
  /** Where the replay was asked from; `os.hostname()` when absent. */
  readonly host?: string;
}

export interface ReplayResult extends DeadLetterView {
  /** `already-moved`: another replay took it between listing and moving; not an error. */
  readonly outcome: 'replayed' | 'would-replay' | 'already-moved';
}

export interface ReplayReport {
  readonly results: readonly ReplayResult[];
  /** Requested ids or submission ids that matched no dead letter. */
  readonly unmatched: readonly string[];
}

function select(
  views: readonly DeadLetterView[],
  letters: ReadonlyMap<string, DeadLetter>,
  selection: ReplaySelection,
): { chosen: DeadLetterView[]; unmatched: string[] } {
  if (selection.kind === 'all') return { chosen: [...views], unmatched: [] };
  const wanted = selection.kind === 'ids' ? selection.ids : selection.submissionIds;
  const keysOf = (view: DeadLetterView): (string | undefined)[] =>
    selection.kind === 'ids'
      ? [view.messageId, letters.get(view.messageId)?.attributes.originalMessageId]
      : [view.submissionId];
  const chosen = views.filter((view) =>
    keysOf(view).some((key) => key !== undefined && wanted.includes(key)),
  );
  const unmatched = wanted.filter((id) => !chosen.some((view) => keysOf(view).includes(id)));
  return { chosen, unmatched: [...new Set(unmatched)] };
}

const operatorOf = (request: ReplayRequest): OperatorContext => ({
  operator: request.operator,
  ticket: request.ticket,
  ...(request.host === undefined ? {} : { host: request.host }),
});

/**
 * Moves the selected dead letters back to their source queues, one conditional move each, and records
 * every move with the operator, ticket and host; ids that matched nothing are one `failure` record. Replaying twice is harmless: a message already moved is
 * reported, and the workers are idempotent per (submission, consumer).
 */
export async function replayDeadLetters(
  deps: Pick<PipelineDeps, 'deadLetters' | 'objects' | 'clock' | 'audit'>,
  request: ReplayRequest,
): Promise<ReplayReport> {
  const letters = await deps.deadLetters.list(
    request.queue === undefined ? undefined : sourceQueueOf(request.queue),
  );
  const byId = new Map(letters.map((letter) => [letter.messageId, letter]));
  const now = deps.clock.now().getTime();
  const views: DeadLetterView[] = [];
  for (const letter of letters) views.push(await viewOf(deps, letter, now));
  const { chosen, unmatched } = select(views, byId, request.selection);

  const results: ReplayResult[] = [];
  for (const view of chosen) {
    if (request.dryRun) {
      results.push({ ...view, outcome: 'would-replay' });
      continue;
    }
    const moved = await deps.deadLetters.replay(view.queue, view.messageId);
    if (!moved) {
      results.push({ ...view, outcome: 'already-moved' });
      continue;
    }
    await recordOperatorAction(deps, operatorOf(request), {
      verb: 'replay',
      outcome: 'success',
      ...(view.submissionId === undefined ? {} : { submissionId: view.submissionId }),
      targets: {
        queue: view.queue,
        sourceQueue: view.sourceQueue,
        messageId: view.messageId,
        reason: view.reason,
        ...(view.consumer === undefined ? {} : { consumer: view.consumer }),
      },
    });
    results.push({ ...view, outcome: 'replayed' });
  }
  if (unmatched.length > 0 && !request.dryRun) {
    // Counted, not listed: what the operator typed is not known to be an id of ours.
    await recordOperatorAction(deps, operatorOf(request), {
      verb: 'replay',
      outcome: 'failure',
      code: 'not-found',
      targets: { unmatched: unmatched.length, selection: request.selection.kind },
    });
  }
  return { results, unmatched };
}
