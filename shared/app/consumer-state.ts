import { z } from 'zod';
import { reject } from '../core/errors.js';
import { CONSUMER_ID } from '../core/ids.js';
import type { AuditSink, Clock, ContractStore, ObjectStore, Queue } from '../ports/index.js';
import { jsonRecord } from './json-records.js';
import { auditedOperatorAction, type OperatorContext } from './operator-actions.js';
import type { DeliverMessage } from './queue-messages.js';
import { queueNames } from './queue-names.js';

/**
 * Whether a consumer receives shares: `phi consumer disable|enable`. The flag is a small object in the
 * data store, `consumer-state/{consumer}.json` (PHI_HOME/objects on the embedded default, the data
 * bucket on AWS), beside the contract rather than in it: a contract is the operator's policy file, the
 * flag is an incident switch, and flipping it must not rewrite (or re-version) the policy. No object
 * means enabled.
 */
export const ConsumerStateSchema = z
  .object({
    consumer: z.string().regex(CONSUMER_ID),
    state: z.enum(['enabled', 'disabled']),
    /** When the state was set (ISO 8601). */
    since: z.string(),
    operator: z.string(),
    ticket: z.string(),
  })
  .strict();
export type ConsumerState = z.infer<typeof ConsumerStateSchema>;

const consumerStateRecord = jsonRecord('consumer-state', ConsumerStateSchema);
export const consumerStateKey = (consumer: string): string => `consumer-state/${consumer}.json`;

export async function readConsumerState(
  objects: ObjectStore,
  consumer: string,
): Promise<ConsumerState | undefined> {
  return consumerStateRecord.read(objects, consumerStateKey(consumer));
}

/**
 * The deliver worker asks once per message; on AWS that is an S3 GET each. A few seconds of caching
 * keeps that off the hot path; a change takes effect within this window (docs/operators.md).
 */
export const CONSUMER_STATE_CACHE_MS = 5_000;
const cache = new WeakMap<ObjectStore, Map<string, { state: ConsumerState | undefined; until: number }>>();

async function cachedConsumerState(
  objects: ObjectStore,
  clock: Clock,
  consumer: string,
): Promise<ConsumerState | undefined> {
  const now = clock.now().getTime();
  let entries = cache.get(objects);
  if (entries === undefined) {
    entries = new Map();
    cache.set(objects, entries);
  }
  const hit = entries.get(consumer);
  if (hit !== undefined && hit.until > now) return hit.state;
  const state = await readConsumerState(objects, consumer);
  entries.set(consumer, { state, until: now + CONSUMER_STATE_CACHE_MS });
  return state;
}

/**
 * How long a held share waits before the worker looks again: a quarter of the time the consumer has
 * been disabled, between 5 s and SQS's 900 s delay limit. Right after a disable (or in a test) an
 * enable is noticed within seconds; a consumer disabled for hours costs each held share one receive
 * per 15 minutes, so the worker never spins.
 */
export const holdDelaySeconds = (disabledForMs: number): number =>
  Math.min(900, Math.max(5, Math.floor(disabledForMs / 4000)));

/**
 * The deliver worker's check, before any work: a disabled consumer's share is sent back to its own
 * deliver queue with a delay, as a new message, and the one in hand is then acknowledged. Not an error:
 * it is not dead-lettered, it does not count towards the queue's maxReceiveCount (the new message
 * starts at one, where a visibility extension would keep counting up to the redrive), and it is not
 * lost (it is sent before the original is deleted; a crash in between leaves two copies, and delivery
 * is idempotent per submission and consumer). Returns true when the share was held.
 */
export async function holdIfConsumerDisabled(
  deps: { readonly objects: ObjectStore; readonly clock: Clock; readonly queue: Queue },
  msg: DeliverMessage,
): Promise<boolean> {
  const state = await cachedConsumerState(deps.objects, deps.clock, msg.consumer);
  if (state?.state !== 'disabled') return false;
  const disabledFor = deps.clock.now().getTime() - Date.parse(state.since);
  // No deduplicationId: the embedded queue dedupes for good, and this copy must not be dropped.
  await deps.queue.send(queueNames.deliver(msg.consumer), JSON.stringify(msg), {
    delaySeconds: holdDelaySeconds(Number.isFinite(disabledFor) ? disabledFor : 0),
    attributes: { heldBy: 'consumer-disabled' },
  });
  return true;
}

export interface ConsumerStateDeps {
  readonly objects: ObjectStore;
  readonly clock: Clock;
  readonly audit: AuditSink;
  readonly contracts: ContractStore;
}

/**
 * `phi consumer disable|enable ID --ticket T`: sets the flag and records the operator action (operator,
 * ticket, host, consumer, the previous state) in the audit chain, `failure` with the code when it fails.
 * The consumer must have a contract (`not-found` otherwise), so a typo does not create a flag nobody reads.
 */
export async function setConsumerState(
  deps: ConsumerStateDeps,
  operator: OperatorContext,
  consumer: string,
  state: ConsumerState['state'],
): Promise<{ readonly previous: ConsumerState['state']; readonly current: ConsumerState }> {
  return auditedOperatorAction(
    deps,
    operator,
    { verb: state === 'disabled' ? 'consumer.disable' : 'consumer.enable', targets: { consumer } },
    async () => {
      if (!CONSUMER_ID.test(consumer) || (await deps.contracts.get(consumer)) === undefined) {
        throw reject('not-found', 'no consumer contract of that id');
      }
      const previous = (await readConsumerState(deps.objects, consumer))?.state ?? 'enabled';
      const current: ConsumerState = {
        consumer,
        state,
        since: deps.clock.now().toISOString(),
        operator: operator.operator,
        ticket: operator.ticket,
      };
      await consumerStateRecord.write(deps.objects, consumerStateKey(consumer), current);
      // This process's own worker (embedded) sees the change at once.
      cache.get(deps.objects)?.delete(consumer);
      return { result: { previous, current }, targets: { previous } };
    },
  );
}
