import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type LocalWorkers, startLocalWorkers } from '../../local/workers.js';
import {
  auditDirectory,
  listAuditFiles,
  verifyAuditDirectory,
} from '../../shared/adapters/embedded/audit-files.js';
import { SqliteQueue } from '../../shared/adapters/embedded/sqlite-queue.js';
import { readConsumerStatus } from '../../shared/app/consumer-status.js';
import { readFailure } from '../../shared/app/failures.js';
import { readSubmissionStatus } from '../../shared/app/get-submission-status.js';
import type { PipelineDeps } from '../../shared/app/pipeline-deps.js';
import { type ConsumerNotification, ConsumerNotificationSchema } from '../../shared/app/queue-messages.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { consumerEncryptionContext, consumerKeyName } from '../../shared/app/submission.js';
import { submissionRecords } from '../../shared/app/submission-records.js';
import type { AuditRecord, DeadLetter, Queue } from '../../shared/ports/index.js';
import { FaultInjector, withFaults } from './faulty-ports.js';
import { startTestStack, type TestStack } from './test-stack.js';

/**
 * The reliability invariants (security.md §5) checked over the end state of an embedded PHI_HOME:
 * every accepted submission ends, for each consumer, delivered exactly once (one object, one
 * notification, status `delivered`) or dead-lettered with a reason and replayable; no notification
 * points at a missing or different object; the audit chain verifies with consecutive seq.
 */

export interface AcceptedSubmission {
  readonly submissionId: string;
  /** Default `demo`. */
  readonly partner?: string;
}

export interface InvariantInput {
  readonly home: string;
  /** Unfaulted ports over the same PHI_HOME. */
  readonly deps: Pick<PipelineDeps, 'objects' | 'queue' | 'deadLetters' | 'envelope'>;
  readonly accepted: readonly (string | AcceptedSubmission)[];
  /** Consumers every submission should reach. */
  readonly consumers: readonly string[];
  /** Notifications the test (or an earlier check) already took off the notify queues. */
  readonly ledger?: NotificationLedger;
}

interface PairBase {
  readonly submissionId: string;
  readonly consumer: string;
}

export type PairResult =
  | (PairBase & {
      readonly kind: 'delivered';
      readonly key: string;
      readonly notification: ConsumerNotification;
    })
  | (PairBase & {
      readonly kind: 'dead-lettered';
      readonly reason: string;
      readonly deadLetters: readonly DeadLetter[];
    })
  | (PairBase & { readonly kind: 'submission-dead-lettered'; readonly reason: string | undefined })
  | (PairBase & { readonly kind: 'unsettled'; readonly status: string | undefined });

export interface InvariantReport {
  /** Empty when every invariant holds; otherwise one line per broken invariant (ids and codes only). */
  readonly violations: readonly string[];
  readonly pairs: readonly PairResult[];
  /** Every notification seen: consumed by the ledger or still parked in a notify DLQ. */
  readonly notifications: readonly ConsumerNotification[];
  readonly auditRecords: readonly AuditRecord[];
}

/** What the consumer side took off the notify queues; checks accumulate into it so nothing is forgotten. */
export class NotificationLedger {
  readonly bodies: { readonly queue: string; readonly body: string }[] = [];

  async drain(queue: Queue, consumers: readonly string[]): Promise<void> {
    for (const consumer of consumers) {
      const name = queueNames.notify(consumer);
      for (;;) {
        const batch = await queue.receive(name, { maxMessages: 10, visibilityTimeoutSeconds: 120 });
        if (batch.length === 0) break;
        for (const m of batch) {
          this.bodies.push({ queue: name, body: m.body });
          await queue.delete(name, m.receiptHandle);
        }
      }
    }
  }
}

const partnerOf = (a: string | AcceptedSubmission): string =>
  typeof a === 'string' ? 'demo' : (a.partner ?? 'demo');
const idOf = (a: string | AcceptedSubmission): string => (typeof a === 'string' ? a : a.submissionId);

function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export async function readAuditRecords(home: string): Promise<AuditRecord[]> {
  const dir = auditDirectory(home);
  const records: AuditRecord[] = [];
  for (const name of await listAuditFiles(dir)) {
    for (const line of (await readFile(path.join(dir, name), 'utf8')).split('\n')) {
      if (line !== '') records.push(JSON.parse(line) as AuditRecord);
    }
  }
  return records;
}

interface QueueRow {
  readonly queue: string;
  readonly body: string;
  readonly receiveCount: number;
}

/** Every message in the embedded queues, read-only and without receiving: for diagnosing unsettled work. */
function peekQueues(home: string): QueueRow[] {
  let db: Database.Database | undefined;
  try {
    db = new Database(path.join(home, 'queues.db'), { readonly: true, fileMustExist: true });
    return (
      db.prepare('SELECT queue, body, receive_count FROM messages ORDER BY seq').all() as {
        queue: string;
        body: string;
        receive_count: number;
      }[]
    ).map((r) => ({ queue: r.queue, body: r.body, receiveCount: r.receive_count }));
  } catch {
    return [];
  } finally {
    db?.close();
  }
}

/** Where the work for a submission (and consumer) still is: live queue messages, dead letters, or nowhere. */
function whereIs(rows: readonly QueueRow[], submissionId: string, consumer?: string): string {
  const hits = rows.filter((r) => {
    const body = parseObject(r.body);
    return (
      body?.submissionId === submissionId &&
      (consumer === undefined || body.consumer === consumer || r.queue.startsWith(queueNames.ingest))
    );
  });
  if (hits.length === 0) return 'no message left anywhere: lost';
  return hits.map((h) => `${h.queue} (receives ${h.receiveCount})`).join(', ');
}

/** The reason a dead letter carries: its `failureReason` attribute, else the failure record of its source message. */
async function reasonOf(deps: InvariantInput['deps'], dl: DeadLetter): Promise<string | undefined> {
  const attr = dl.attributes.failureReason;
  if (attr) return attr;
  const failure = await readFailure(
    deps.objects,
    dl.sourceQueue,
    dl.attributes.originalMessageId ?? dl.messageId,
  );
  return failure?.lastReason;
}

export async function checkInvariants(input: InvariantInput): Promise<InvariantReport> {
  const { deps, home, consumers } = input;
  const violations: string[] = [];
  const ledger = input.ledger ?? new NotificationLedger();
  await ledger.drain(deps.queue, consumers);

  // Notifications: consumed ones plus any parked in a notify DLQ.
  const sources = [...ledger.bodies];
  for (const consumer of consumers) {
    for (const dl of await deps.deadLetters.list(queueNames.notify(consumer))) {
      sources.push({ queue: dl.queue, body: dl.body });
    }
  }
  const notifications: ConsumerNotification[] = [];
  for (const { queue, body } of sources) {
    const parsed = ConsumerNotificationSchema.safeParse(parseObject(body));
    if (!parsed.success) violations.push(`notification on ${queue} does not match the SPEC §4 schema`);
    else notifications.push(parsed.data);
  }

  // No notification points at a missing object, or at an object other than the one it describes.
  for (const n of notifications) {
    const where = `notification ${n.submissionId}/${n.consumer}`;
    if (n.key !== `consumers/${n.consumer}/${n.submissionId}.${n.key.split('.').at(-1) ?? ''}`) {
      violations.push(`${where}: key ${n.key} is not consumers/<consumer>/<id>.<ext>`);
    }
    const stored = await deps.objects.get(n.key);
    if (!stored) {
      violations.push(`${where}: points at missing object ${n.key}`);
      continue;
    }
    try {
      const plain = await deps.envelope.decrypt(
        consumerKeyName(n.consumer),
        stored.body,
        consumerEncryptionContext(n.consumer, n.submissionId),
      );
      const sha = createHash('sha256').update(plain).digest('hex');
      if (sha !== n.sha256) violations.push(`${where}: sha256 differs from the decrypted object`);
      if (plain.byteLength !== n.bytes)
        violations.push(`${where}: bytes ${n.bytes} != object ${plain.byteLength}`);
    } catch (error) {
      violations.push(`${where}: object does not decrypt (${(error as { code?: string }).code ?? 'error'})`);
    }
  }
  const notesByPair = new Map<string, ConsumerNotification[]>();
  for (const n of notifications) {
    const k = `${n.submissionId}/${n.consumer}`;
    notesByPair.set(k, [...(notesByPair.get(k) ?? []), n]);
  }
  for (const [pair, list] of notesByPair) {
    if (list.length > 1)
      violations.push(`${pair}: ${list.length} notifications (duplicate consumer-visible effect)`);
  }

  // The audit chain: verifies end to end, consecutive seq from 1.
  const chain = await verifyAuditDirectory(home);
  if (!chain.ok) {
    violations.push(
      `audit chain broken at ${path.basename(chain.broken.file)}:${chain.broken.line} (${chain.broken.reason}, seq ${chain.broken.seq ?? '?'})`,
    );
  }
  let auditRecords: AuditRecord[] = [];
  try {
    auditRecords = await readAuditRecords(home);
  } catch {
    violations.push('audit log has an unparsable line');
  }
  auditRecords.forEach((r, i) => {
    if (r.seq !== i + 1) violations.push(`audit seq gap: record ${i + 1} has seq ${r.seq}`);
  });
  const audits = (action: string, id: string, consumer?: string) =>
    auditRecords.filter(
      (r) =>
        r.action === action &&
        r.submissionId === id &&
        (consumer === undefined || r.details?.consumer === consumer),
    );

  const ingestDeadLetters = await deps.deadLetters.list(queueNames.ingest);
  const deliverDeadLetters = new Map<string, DeadLetter[]>();
  for (const consumer of consumers) {
    deliverDeadLetters.set(consumer, await deps.deadLetters.list(queueNames.deliver(consumer)));
  }

  const rows = peekQueues(home);
  const pairs: PairResult[] = [];
  for (const accepted of input.accepted) {
    const id = idOf(accepted);
    const partner = partnerOf(accepted);
    const record = await submissionRecords.read(deps.objects, partner, id);
    if (!record) {
      violations.push(`${id}: accepted but no submission record (lost)`);
      continue;
    }
    const accepts = audits('submission.accepted', id).length;
    if (accepts + audits('submission.duplicate', id).length === 0)
      violations.push(`${id}: acceptance not audited`);
    if (accepts > 1) violations.push(`${id}: ${accepts} submission.accepted audit records`);

    let submissionReason: string | undefined;
    const submissionDead = record.status === 'dead-lettered';
    if (submissionDead) {
      const dls = ingestDeadLetters.filter((dl) => parseObject(dl.body)?.submissionId === id);
      if (dls.length === 0) {
        violations.push(
          `${id}: dead-lettered but no ingest-dlq message (not replayable) [${whereIs(rows, id)}]`,
        );
      }
      for (const dl of dls) submissionReason ??= await reasonOf(deps, dl);
      if (!submissionReason) violations.push(`${id}: ingest dead letter without a reason code`);
      const audited = audits('dead-letter', id).filter(
        (r) => r.code !== undefined && r.code === submissionReason,
      );
      if (audited.length === 0)
        violations.push(`${id}: submission dead-lettering not audited with its reason`);
    }

    for (const consumer of consumers) {
      const where = `${id}/${consumer}`;
      const status = await readConsumerStatus(deps.objects, partner, id, consumer);
      const objects = (await deps.objects.list(`consumers/${consumer}/`)).filter((k) =>
        k.startsWith(`consumers/${consumer}/${id}.`),
      );
      const notes = notesByPair.get(where) ?? [];
      if (objects.length > 1) violations.push(`${where}: ${objects.length} consumer objects`);

      if (status?.status === 'delivered') {
        const [key] = objects;
        const [note] = notes;
        if (key === undefined) violations.push(`${where}: delivered but no consumer object`);
        if (notes.length !== 1)
          violations.push(`${where}: delivered with ${notes.length} notifications, want 1`);
        if (note && key !== undefined && note.key !== key)
          violations.push(`${where}: notification key != object key`);
        const deliveries = audits('delivery', id, consumer).length;
        if (deliveries !== 1) violations.push(`${where}: ${deliveries} delivery audit records, want 1`);
        if (key !== undefined && note)
          pairs.push({ kind: 'delivered', submissionId: id, consumer, key, notification: note });
      } else if (status?.status === 'dead-lettered') {
        const reason = status.reason;
        if (!reason) violations.push(`${where}: dead-lettered without a reason`);
        if (notes.length > 0)
          violations.push(`${where}: dead-lettered yet ${notes.length} notification(s) sent`);
        const dls = (deliverDeadLetters.get(consumer) ?? []).filter((dl) => {
          const body = parseObject(dl.body);
          return body?.submissionId === id && body.consumer === consumer;
        });
        if (dls.length === 0) {
          violations.push(
            `${where}: dead-lettered but no message in its DLQ (not replayable) [${whereIs(rows, id, consumer)}]`,
          );
        }
        const reasons = await Promise.all(dls.map((dl) => reasonOf(deps, dl)));
        if (dls.length > 0 && !reasons.includes(reason)) {
          violations.push(`${where}: DLQ reason(s) ${reasons.join(',')} != status reason ${reason ?? '-'}`);
        }
        if (audits('dead-letter', id, consumer).filter((r) => r.code === reason).length === 0) {
          violations.push(`${where}: dead-lettering not audited with its reason`);
        }
        pairs.push({
          kind: 'dead-lettered',
          submissionId: id,
          consumer,
          reason: reason ?? '',
          deadLetters: dls,
        });
      } else if (submissionDead && (status === undefined || status.status === 'processing')) {
        // The submission as a whole is dead-lettered (and replayable from ingest-dlq); this share never got going.
        if (objects.length > 0 || notes.length > 0) {
          violations.push(`${where}: submission dead-lettered, yet a consumer object or notification exists`);
        }
        pairs.push({
          kind: 'submission-dead-lettered',
          submissionId: id,
          consumer,
          reason: submissionReason,
        });
      } else {
        violations.push(
          `${where}: not settled (status ${status?.status ?? 'none'}; neither delivered nor dead-lettered) [${whereIs(rows, id, consumer)}]`,
        );
        pairs.push({ kind: 'unsettled', submissionId: id, consumer, status: status?.status });
      }
    }
  }
  // What the partner sees (GET /v1/submissions/{id}) must agree with the pairs.
  for (const accepted of input.accepted) {
    const id = idOf(accepted);
    const mine = pairs.filter((p) => p.submissionId === id);
    if (mine.length === 0 || mine.some((p) => p.kind === 'unsettled')) continue;
    const shown = (await readSubmissionStatus(deps, partnerOf(accepted), id))?.status;
    const want = mine.every((p) => p.kind === 'delivered') ? 'delivered' : 'dead-lettered';
    if (shown !== want) violations.push(`${id}: partner-visible status ${shown ?? 'none'}, want ${want}`);
  }
  return { violations, pairs, notifications, auditRecords };
}

/** One consumer's status record for a submission, or undefined. */
export const consumerStatus = (
  deps: Pick<PipelineDeps, 'objects'>,
  submissionId: string,
  consumer: string,
  partner = 'demo',
) => readConsumerStatus(deps.objects, partner, submissionId, consumer);

/** Reads every visible message of `name` (up to 10), keeps the bodies, and makes them visible again. */
export async function peekBodies(queue: Queue, name: string): Promise<string[]> {
  const messages = await queue.receive(name, { maxMessages: 10, visibilityTimeoutSeconds: 60 });
  for (const m of messages) await queue.changeVisibility(name, m.receiptHandle, 0);
  return messages.map((m) => m.body);
}

export interface DepthReader {
  depth(queue: string): { readonly total: number };
}

/**
 * Waits until no work is left: the ingest queue, then every consumer's deliver queue, hold no message
 * (visible, in flight or delayed). Deliver messages are sent before their ingest message is deleted,
 * so reading ingest first makes "all empty" final. Anything still unsettled then is lost for good.
 * The timeout only bounds a hang; returns false when it is reached.
 */
export async function waitForQuiescence(
  depth: DepthReader,
  consumers: readonly string[],
  timeoutMs = 60_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busy =
      depth.depth(queueNames.ingest).total > 0 ||
      consumers.some((c) => depth.depth(queueNames.deliver(c)).total > 0);
    if (!busy) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const FIXTURE_BUNDLE = path.resolve(
  import.meta.dirname,
  '../../samples/fhir/Bundle-bundle-transaction.json',
);

/** A valid consumer contract (safe-harbor, NDJSON) named `name`. */
export const validContract = (name: string): object => ({
  schemaVersion: 1,
  name,
  version: '1.0.0',
  extends: 'safe-harbor',
  output: { format: 'ndjson' },
});

/**
 * An in-process stack for fault injection: the HTTP API on unfaulted ports, and the real local
 * workers (local/workers.ts) on a copy of the deps whose object store, queue and envelope
 * pass through `faults`. Workers start only when asked, and the contract set is exactly `consumers`.
 */
export interface FaultStack {
  readonly t: TestStack;
  readonly home: string;
  /** Unfaulted ports (what the HTTP API uses). */
  readonly base: PipelineDeps;
  /** The workers' ports. */
  readonly deps: PipelineDeps;
  readonly faults: FaultInjector;
  readonly queue: SqliteQueue;
  readonly ledger: NotificationLedger;
  readonly consumers: readonly string[];
  writeContract(name: string, content: object | string): Promise<void>;
  startWorkers(): void;
  stopWorkers(): Promise<void>;
  /** Submits the fixture `count` times under distinct Idempotency-Keys; returns the ids (all must be 202). */
  submit(count: number, keyPrefix?: string): Promise<string[]>;
  /** Waits for quiescence, then checks the invariants over `accepted`. */
  settleAndCheck(accepted: readonly string[], timeoutMs?: number): Promise<InvariantReport>;
  close(): Promise<void>;
}

export async function startFaultStack(opts: {
  consumers: readonly string[];
  env?: Record<string, string>;
}): Promise<FaultStack> {
  const t = await startTestStack({ PHI_WORKERS: 'false', PHI_RETRY_BASE_SECONDS: '0', ...opts.env });
  const base = t.stack.deps;
  if (!(base.queue instanceof SqliteQueue))
    throw new Error('the fault stack needs the embedded SQLite queue');
  const queue = base.queue;
  const contractsDir = path.join(t.home, 'contracts');
  // Exactly the consumers the test names, whatever contracts the project ships.
  await rm(contractsDir, { recursive: true, force: true });
  await mkdir(contractsDir, { recursive: true });
  const writeContract = (name: string, content: object | string) =>
    writeFile(
      path.join(contractsDir, `${name}.json`),
      typeof content === 'string' ? content : JSON.stringify(content),
    );
  for (const c of opts.consumers) await writeContract(c, validContract(c));
  const faults = new FaultInjector();
  const deps = withFaults(base, faults);
  const ledger = new NotificationLedger();
  let workers: LocalWorkers | undefined;
  const body = await readFile(FIXTURE_BUNDLE);
  let submitted = 0;

  return {
    t,
    home: t.home,
    base,
    deps,
    faults,
    queue,
    ledger,
    consumers: opts.consumers,
    writeContract,
    startWorkers: () => {
      workers ??= startLocalWorkers(deps, { visibilityTimeoutSeconds: 4 });
    },
    stopWorkers: async () => {
      await workers?.stop();
      workers = undefined;
    },
    submit: async (count, keyPrefix = 'inv') => {
      const client = await t.client();
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        submitted += 1;
        const res = await client.submit(body, { idempotencyKey: `${keyPrefix}-${submitted}` });
        if (res.status !== 202) throw new Error(`submission answered ${res.status}`);
        ids.push((res.json as { submissionId: string }).submissionId);
      }
      return ids;
    },
    settleAndCheck: async (accepted, timeoutMs = 45_000) => {
      const quiet = await waitForQuiescence(queue, opts.consumers, timeoutMs);
      const report = await checkInvariants({
        home: t.home,
        deps: base,
        accepted,
        consumers: opts.consumers,
        ledger,
      });
      return quiet ? report : { ...report, violations: ['queues never drained', ...report.violations] };
    },
    close: async () => {
      faults.clear();
      await workers?.stop();
      await t.close();
    },
  };
}
