import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandler as createDeliverHandler } from '../../functions/sqs-deliver.js';
import { localLambdaContext } from '../../local/lambda-context.js';
import { toSqsRecord } from '../../local/queue-poller.js';
import { FileAuditLog } from '../../shared/adapters/embedded/file-audit-log.js';
import { SqliteDeadLetters, SqliteQueue } from '../../shared/adapters/embedded/index.js';
import {
  formatAge,
  listDeadLetters,
  replayDeadLetters,
  sourceQueueOf,
} from '../../shared/app/dead-letter-admin.js';
import { recordFailure } from '../../shared/app/failures.js';
import type { PipelineDeps } from '../../shared/app/pipeline-deps.js';
import type { DeliverMessage } from '../../shared/app/queue-messages.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { storageKeys } from '../../shared/app/storage-keys.js';
import { rawEncryptionContext } from '../../shared/app/submission.js';
import { contentDigestOf } from '../../shared/core/integrity/content-digest.js';
import type { Clock } from '../../shared/ports/clock.js';
import { loadConfig } from '../../shared/runtime/config.js';
import { createEmbeddedDeps } from '../../shared/runtime/embedded-deps.js';

const FIXTURE = resolve(import.meta.dirname, '../../samples/fhir/Bundle-bundle-transaction.json');
const OPERATOR = 'alice@ops-host';

const fixedClock = (ms: number): Clock => ({ now: () => new Date(ms) });

/** What Lambda's event source mapping does once: one batch to the deliver function, delete what succeeded. */
async function runDeliverOnce(deps: PipelineDeps, consumer: string, batchSize = 10): Promise<number> {
  const queue = queueNames.deliver(consumer);
  const messages = await deps.queue.receive(queue, { maxMessages: batchSize, visibilityTimeoutSeconds: 30 });
  if (messages.length === 0) return 0;
  const event: SQSEvent = { Records: messages.map((m) => toSqsRecord(queue, m)) };
  const handler = createDeliverHandler(() => Promise.resolve(deps));
  const response = await handler(event, localLambdaContext('deliver', randomUUID()));
  const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  for (const m of messages) if (!failed.has(m.messageId)) await deps.queue.delete(queue, m.receiptHandle);
  return messages.length;
}

async function auditRecords(home: string) {
  return (await new FileAuditLog(home).read()).map(
    (line) =>
      JSON.parse(line.text) as {
        action: string;
        actor: { type: string; id: string };
        submissionId?: string;
        details?: Record<string, unknown>;
      },
  );
}

interface Harness {
  readonly home: string;
  readonly deps: PipelineDeps;
}

async function harness(env: Record<string, string> = {}): Promise<Harness> {
  const home = await mkdtemp(join(tmpdir(), 'phi-dlq-'));
  await mkdir(join(home, 'contracts'), { recursive: true });
  const deps = createEmbeddedDeps(loadConfig({ PHI_HOME: home, PHI_RETRY_BASE_SECONDS: '0', ...env }));
  return { home, deps };
}

async function installContract(home: string, consumer: string): Promise<void> {
  await writeFile(
    join(home, 'contracts', `${consumer}.json`),
    JSON.stringify({
      schemaVersion: 1,
      name: consumer,
      version: '1.0.0',
      extends: 'safe-harbor',
      output: { format: 'ndjson' },
    }),
  );
}

/** An accepted submission as ingest leaves it: the encrypted original, and the deliver message for one consumer. */
async function acceptedSubmission(deps: PipelineDeps, consumer: string): Promise<DeliverMessage> {
  const body = new Uint8Array(await readFile(FIXTURE));
  const submissionId = randomUUID();
  const partner = 'demo';
  const key = storageKeys.raw(partner, submissionId);
  await deps.objects.put(
    key,
    await deps.envelope.encrypt('data', body, rawEncryptionContext(partner, submissionId)),
  );
  return {
    version: 1,
    type: 'submission.deliver',
    submissionId,
    partner,
    consumer,
    kind: 'bundle',
    key,
    contentDigest: contentDigestOf(body),
    receivedAt: deps.clock.now().toISOString(),
  };
}

describe('Function: listDeadLetters', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ PHI_MAX_RECEIVE_COUNT: '2' });
  });
  afterEach(async () => {
    await rm(h.home, { recursive: true, force: true });
  });

  it('names the reason a worker gave a permanently failed message, and its submission and consumer', async () => {
    const msg = await acceptedSubmission(h.deps, 'lake'); // no contract for `lake`: a permanent failure
    await h.deps.queue.send(queueNames.deliver('lake'), JSON.stringify(msg));
    await runDeliverOnce(h.deps, 'lake');

    const [view, ...rest] = await listDeadLetters(h.deps);

    expect(rest).toEqual([]);
    expect(view).toMatchObject({
      queue: 'deliver-lake-dlq',
      sourceQueue: 'deliver-lake',
      reason: 'contract-invalid',
      receiveCount: 1,
      messageType: 'submission.deliver',
      submissionId: msg.submissionId,
      consumer: 'lake',
    });
  });

  it('takes the first reason from the failure record when the queue moved the message after maxReceiveCount', async () => {
    const { messageId } = await h.deps.queue.send('ingest', '{"version":1}');
    for (const reason of ['store-unavailable', 'crypto-failed']) {
      const [m] = await h.deps.queue.receive('ingest', { visibilityTimeoutSeconds: 0 });
      expect(m?.messageId).toBe(messageId);
      await recordFailure(h.deps.objects, 'ingest', messageId, reason, new Date().toISOString());
    }

    const views = await listDeadLetters(h.deps, 'ingest');

    expect(views).toEqual([
      expect.objectContaining({
        messageId,
        queue: 'ingest-dlq',
        reason: 'store-unavailable',
        receiveCount: 2,
      }),
    ]);
    expect(views[0]?.submissionId).toBeUndefined();
  });

  it('says `unknown` without a reason, never shows a body, and shows ids only from our own schemas', async () => {
    const canary = 'CANARY-Chalmers-1974-01-02';
    await h.deps.queue.send('deliver-x-dlq', JSON.stringify({ submissionId: canary, note: canary }));
    await h.deps.queue.send('deliver-x-dlq', 'not json at all');

    const views = await listDeadLetters(h.deps, 'deliver-x-dlq');

    expect(views.map((v) => v.reason)).toEqual(['unknown', 'unknown']);
    expect(JSON.stringify(views)).not.toContain('CANARY');
  });

  it('computes the age from the clock', async () => {
    const { messageId } = await h.deps.queue.send('deliver-x-dlq', '{}');
    const [letter] = await h.deps.deadLetters.list('deliver-x');
    const later = { ...h.deps, clock: fixedClock((letter?.sentAt ?? 0) + 185_000) };

    const [view] = await listDeadLetters(later);

    expect(view).toMatchObject({ messageId, ageSeconds: 185 });
    expect(formatAge(view?.ageSeconds ?? 0)).toBe('3m');
  });
});

describe('Function: formatAge', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [60, '1m'],
    [3599, '59m'],
    [3600, '1h'],
    [86_399, '23h'],
    [86_400, '1d'],
    [20 * 86_400, '20d'],
  ])('%i seconds reads %s', (seconds, text) => {
    expect(formatAge(seconds)).toBe(text);
  });

  it('maps a DLQ name to its source queue', () => {
    expect(sourceQueueOf('deliver-lake-dlq')).toBe('deliver-lake');
    expect(sourceQueueOf('deliver-lake')).toBe('deliver-lake');
  });
});

describe('Function: replayDeadLetters', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await rm(h.home, { recursive: true, force: true });
  });

  const deadLetter = (queue: string, body: unknown, attributes: Record<string, string> = {}) =>
    h.deps.queue.send(queueNames.deadLetter(queue), JSON.stringify(body), { attributes });

  it('with --dry-run reports what would move and moves nothing, audits nothing', async () => {
    const msg = await acceptedSubmission(h.deps, 'lake');
    await deadLetter('deliver-lake', msg, { failureReason: 'contract-invalid' });

    const report = await replayDeadLetters(h.deps, {
      selection: { kind: 'all' },
      dryRun: true,
      operator: OPERATOR,
      ticket: 'CHG-1',
    });

    expect(report.results).toEqual([
      expect.objectContaining({ outcome: 'would-replay', submissionId: msg.submissionId }),
    ]);
    expect(await h.deps.deadLetters.list()).toHaveLength(1);
    expect(await auditRecords(h.home)).toEqual([]);
  });

  it('moves every dead letter back to its source queue and audits each move with the operator', async () => {
    const a = await acceptedSubmission(h.deps, 'lake');
    const b = await acceptedSubmission(h.deps, 'lds');
    await deadLetter('deliver-lake', a, { failureReason: 'contract-invalid' });
    await deadLetter('deliver-lds', b);

    const report = await replayDeadLetters(h.deps, {
      selection: { kind: 'all' },
      dryRun: false,
      operator: OPERATOR,
      ticket: 'CHG-1',
    });

    expect(report.results.map((r) => r.outcome)).toEqual(['replayed', 'replayed']);
    expect(await h.deps.deadLetters.list()).toEqual([]);
    const [back] = await h.deps.queue.receive('deliver-lake');
    expect(JSON.parse(back?.body ?? '{}')).toEqual(a);
    const audit = await auditRecords(h.home);
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'replay',
        actor: { type: 'operator', id: OPERATOR },
        submissionId: a.submissionId,
        details: expect.objectContaining({
          queue: 'deliver-lake-dlq',
          sourceQueue: 'deliver-lake',
          consumer: 'lake',
        }),
      }),
      expect.objectContaining({ action: 'replay', submissionId: b.submissionId }),
    ]);
    expect(audit[0]?.details?.messageId).toBe(report.results[0]?.messageId);
  });

  it('selects by message id (the dead letter or the original) and by submission, and reports ids that match nothing', async () => {
    const a = await acceptedSubmission(h.deps, 'lake');
    const b = await acceptedSubmission(h.deps, 'lake');
    const c = await acceptedSubmission(h.deps, 'lake');
    const first = await deadLetter('deliver-lake', a, { originalMessageId: 'orig-a' });
    await deadLetter('deliver-lake', b);
    await deadLetter('deliver-lake', c);

    const byOriginal = await replayDeadLetters(h.deps, {
      selection: { kind: 'ids', ids: ['orig-a', 'nope'] },
      dryRun: true,
      operator: OPERATOR,
      ticket: 'CHG-1',
    });
    expect(byOriginal.results.map((r) => r.messageId)).toEqual([first.messageId]);
    expect(byOriginal.unmatched).toEqual(['nope']);

    const bySubmission = await replayDeadLetters(h.deps, {
      queue: 'deliver-lake-dlq',
      selection: { kind: 'submissions', submissionIds: [c.submissionId] },
      dryRun: false,
      operator: OPERATOR,
      ticket: 'CHG-1',
    });
    expect(bySubmission.results).toEqual([
      expect.objectContaining({ outcome: 'replayed', submissionId: c.submissionId }),
    ]);
    expect(
      (await h.deps.deadLetters.list('deliver-lake')).map((d) => JSON.parse(d.body).submissionId),
    ).toEqual([a.submissionId, b.submissionId]);
  });

  it('two concurrent replays move each message exactly once', async () => {
    for (let i = 0; i < 12; i++) await deadLetter('deliver-lake', await acceptedSubmission(h.deps, 'lake'));
    const secondQueue = new SqliteQueue(h.home);
    const second = { ...h.deps, queue: secondQueue, deadLetters: new SqliteDeadLetters(secondQueue) };
    try {
      const reports = await Promise.all([
        replayDeadLetters(h.deps, {
          selection: { kind: 'all' },
          dryRun: false,
          operator: 'one@host',
          ticket: 'CHG-1',
        }),
        replayDeadLetters(second, {
          selection: { kind: 'all' },
          dryRun: false,
          operator: 'two@host',
          ticket: 'CHG-2',
        }),
      ]);

      const replayed = reports.flatMap((r) =>
        r.results.filter((x) => x.outcome === 'replayed').map((x) => x.messageId),
      );
      expect(replayed).toHaveLength(12);
      expect(new Set(replayed).size).toBe(12);
      const skipped = reports.flatMap((r) => r.results.filter((x) => x.outcome === 'already-moved'));
      expect(skipped.every((x) => replayed.includes(x.messageId))).toBe(true);
      expect(h.deps.queue instanceof SqliteQueue && h.deps.queue.depth('deliver-lake').total).toBe(12);
      expect((await auditRecords(h.home)).filter((r) => r.action === 'replay')).toHaveLength(12);
    } finally {
      second.queue.close();
    }
  });

  it('replaying the same dead-lettered deliver message twice yields one consumer object and one notification', async () => {
    const msg = await acceptedSubmission(h.deps, 'lake');
    // Delivered at least once twice over: two copies of the same deliver message, both dead-lettered
    // because the consumer's contract is missing.
    await h.deps.queue.send(queueNames.deliver('lake'), JSON.stringify(msg));
    await h.deps.queue.send(queueNames.deliver('lake'), JSON.stringify(msg));
    while ((await runDeliverOnce(h.deps, 'lake', 1)) > 0);
    expect((await listDeadLetters(h.deps, 'deliver-lake')).map((v) => v.reason)).toEqual([
      'contract-invalid',
      'contract-invalid',
    ]);

    await installContract(h.home, 'lake');
    const first = await replayDeadLetters(h.deps, {
      selection: { kind: 'submissions', submissionIds: [msg.submissionId] },
      dryRun: false,
      operator: OPERATOR,
      ticket: 'CHG-1',
    });
    expect(first.results.map((r) => r.outcome)).toEqual(['replayed', 'replayed']);
    while ((await runDeliverOnce(h.deps, 'lake', 1)) > 0);

    // The same message dead-lettered once more and replayed again.
    await h.deps.queue.send(queueNames.deadLetter(queueNames.deliver('lake')), JSON.stringify(msg), {
      attributes: { failureReason: 'store-unavailable' },
    });
    const again = await replayDeadLetters(h.deps, {
      selection: { kind: 'all' },
      dryRun: false,
      operator: OPERATOR,
      ticket: 'CHG-1',
    });
    expect(again.results.map((r) => r.outcome)).toEqual(['replayed']);
    while ((await runDeliverOnce(h.deps, 'lake', 1)) > 0);

    expect(await h.deps.objects.list('consumers/lake/')).toEqual([
      `consumers/lake/${msg.submissionId}.ndjson`,
    ]);
    const notes = await h.deps.queue.receive(queueNames.notify('lake'), { maxMessages: 10 });
    expect(notes).toHaveLength(1);
    expect(JSON.parse(notes[0]?.body ?? '{}')).toMatchObject({
      submissionId: msg.submissionId,
      consumer: 'lake',
    });
    expect(await h.deps.deadLetters.list()).toEqual([]);
    const deliveries = (await auditRecords(h.home)).filter((r) => r.action === 'delivery');
    expect(deliveries).toHaveLength(1);
  });
});
