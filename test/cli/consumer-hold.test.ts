import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createDeliver } from '../../functions/sqs-deliver.js';
import { localLambdaContext } from '../../local/lambda-context.js';
import { toSqsRecord } from '../../local/queue-poller.js';
import { FileAuditLog } from '../../shared/adapters/embedded/index.js';
import { holdDelaySeconds, readConsumerState, setConsumerState } from '../../shared/app/consumer-state.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { PHI_BIN, REPO_ROOT, type Run, spawnPhi } from '../helpers/phi-process.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';
import { until } from '../helpers/until.js';

/**
 * `phi consumer disable|enable`: a disabled consumer's shares wait in its deliver queue (held, not
 * dead-lettered, not lost), status says it waits, and enable delivers each exactly once. The stack
 * runs its workers with a receive limit of 2, so a share held many times would be dead-lettered if
 * holding counted towards the queue's redrive.
 */
const POLL = { timeoutMs: 60_000, intervalMs: 200 };

const fixture = (name: string) => readFile(path.resolve(import.meta.dirname, '../../samples', name));

interface Progress {
  id: string;
  status: string;
  waiting?: string;
  since?: string;
}

describe('CLI: phi consumer disable / enable', () => {
  let t: TestStack;
  const phi = (...args: string[]): Promise<Run> =>
    spawnPhi(args, {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PHI_'))),
      PHI_HOME: t.home,
    }).done;

  beforeAll(async () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: REPO_ROOT,
    }).catch(() => undefined);
    if (!existsSync(PHI_BIN)) throw new Error('the CLI did not build');
    t = await startTestStack({ PHI_RETRY_BASE_SECONDS: '0', PHI_MAX_RECEIVE_COUNT: '2' });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const auditOf = async () =>
    (await new FileAuditLog(t.home).read()).map(
      (l) =>
        JSON.parse(l.text) as {
          action: string;
          outcome: string;
          code?: string;
          actor: { type: string; id: string };
          details?: Record<string, unknown>;
        },
    );

  it('without --ticket, or for an unknown consumer, changes nothing; the unknown one is audited as a failure', async () => {
    const bare = await phi('consumer', 'disable', 'analytics');
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/requires --ticket/);
    expect(await readConsumerState(t.stack.deps.objects, 'analytics')).toBeUndefined();

    const unknown = await phi('consumer', 'disable', 'nobody', '--ticket', 'CHG-0');
    expect(unknown.code).toBe(1);
    expect(await readConsumerState(t.stack.deps.objects, 'nobody')).toBeUndefined();
    expect((await auditOf()).filter((r) => r.action === 'consumer.disable')).toEqual([
      expect.objectContaining({
        outcome: 'failure',
        code: 'not-found',
        details: expect.objectContaining({ consumer: 'nobody', ticket: 'CHG-0' }),
      }),
    ]);
  });

  it('disable holds the shares (nothing delivered, nothing lost, status waits); enable delivers each once', async () => {
    const deps = t.stack.deps;
    const disabled = await phi(
      'consumer',
      'disable',
      'analytics',
      '--ticket',
      'INC-77',
      '--operator',
      'ops@desk',
    );
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toMatch(/^consumer analytics disabled/);

    const client = await t.client();
    const ids: string[] = [];
    for (const name of ['fhir/Bundle-bundle-transaction.json', 'fhir/Bundle-bundle-transaction.json']) {
      const body = JSON.parse((await fixture(name)).toString('utf8')) as { id?: string };
      // Two distinct submissions of the same content.
      body.id = `b${ids.length}`;
      const res = await client.submit(new TextEncoder().encode(JSON.stringify(body)));
      expect(res.status).toBe(202);
      ids.push((res.json as { submissionId: string }).submissionId);
    }

    const statusOf = async (id: string) =>
      (await client.status(id)).json as { status: string; consumers: Progress[] };
    // The other consumers are served; analytics waits, and the submission never claims `delivered`.
    for (const id of ids) {
      const waiting = await until(async () => {
        const s = await statusOf(id);
        const others = s.consumers.filter((c) => c.id !== 'analytics');
        return others.length === 2 && others.every((c) => c.status === 'delivered') ? s : undefined;
      }, POLL);
      expect(waiting.status).toBe('processing');
      expect(waiting.consumers.find((c) => c.id === 'analytics')).toMatchObject({
        status: 'processing',
        waiting: 'consumer-disabled',
        since: expect.any(String),
      });
    }
    // Held more than twice (5 s delays) against a receive limit of 2: still not dead-lettered.
    await new Promise((r) => setTimeout(r, 12_000));
    expect(await deps.objects.list('consumers/analytics/')).toEqual([]);
    expect(await deps.deadLetters.list(queueNames.deliver('analytics'))).toEqual([]);
    expect((await statusOf(ids[0] ?? '')).status).toBe('processing');

    const enabled = await phi('consumer', 'enable', 'analytics', '--ticket', 'INC-77');
    expect(enabled.code).toBe(0);
    for (const id of ids) {
      const done = await until(async () => {
        const s = await statusOf(id);
        return s.status === 'delivered' ? s : undefined;
      }, POLL);
      expect(done.consumers.find((c) => c.id === 'analytics')).toEqual(
        expect.not.objectContaining({ waiting: expect.anything() }),
      );
    }
    // Exactly once: one copy and one notification per submission, nothing dead-lettered.
    expect((await deps.objects.list('consumers/analytics/')).sort()).toEqual(
      ids.map((id) => `consumers/analytics/${id}.ndjson`).sort(),
    );
    // Let any duplicate held copy come round once more before counting notifications.
    await new Promise((r) => setTimeout(r, 6_000));
    const notes = await deps.queue.receive(queueNames.notify('analytics'), { maxMessages: 10 });
    expect(notes.map((n) => (JSON.parse(n.body) as { submissionId: string }).submissionId).sort()).toEqual(
      [...ids].sort(),
    );
    expect(await deps.deadLetters.list()).toEqual([]);

    const actions = (await auditOf()).filter(
      (r) => r.action.startsWith('consumer.') && r.outcome === 'success',
    );
    expect(
      actions.map((r) => [r.action, r.actor.id, r.details?.consumer, r.details?.ticket, r.details?.previous]),
    ).toEqual([
      ['consumer.disable', 'ops@desk', 'analytics', 'INC-77', 'enabled'],
      ['consumer.enable', expect.any(String), 'analytics', 'INC-77', 'disabled'],
    ]);
  }, 180_000);

  it('holds back off with the time disabled, from 5 s up to the 900 s SQS delay limit', () => {
    expect(holdDelaySeconds(0)).toBe(5);
    expect(holdDelaySeconds(60_000)).toBe(15);
    expect(holdDelaySeconds(3_600_000)).toBe(900);
    expect(holdDelaySeconds(-1)).toBe(5);
  });
});

describe("Function: sqs-deliver holds a disabled consumer's share, as Lambda receives it", () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ PHI_WORKERS: 'false', PHI_MAX_RECEIVE_COUNT: '2' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('acknowledges the share even on its last allowed receive, re-sends it delayed, and records nothing as failed', async () => {
    const deps = t.stack.deps;
    await setConsumerState(deps, { operator: 'ops', ticket: 'INC-1' }, 'analytics', 'disabled');
    const body = JSON.stringify({
      version: 1,
      type: 'submission.deliver',
      submissionId: '0b7d4c52-7a3c-4f7e-9d3e-1a2b3c4d5e6f',
      partner: 'demo',
      consumer: 'analytics',
      kind: 'bundle',
      key: 'raw/demo/0b7d4c52-7a3c-4f7e-9d3e-1a2b3c4d5e6f',
      contentDigest: 'sha-256=:AAAA:',
      receivedAt: new Date().toISOString(),
    });
    const queue = queueNames.deliver('analytics');
    // ApproximateReceiveCount at the redrive limit: a failure here would be dead-lettered.
    const record = toSqsRecord(queue, {
      messageId: 'held-1',
      receiptHandle: 'r-held-1',
      body,
      receiveCount: 2,
      sentAt: 0,
      attributes: {},
    });
    const deliver = createDeliver(async () => deps);

    const response = await deliver({ Records: [record] }, localLambdaContext('deliver', 'h1'));

    expect(response.batchItemFailures).toEqual([]);
    expect(await deps.deadLetters.list()).toEqual([]);
    expect(await deps.objects.list(`failures/${queue}/`)).toEqual([]);
    // Delayed: not receivable yet, so the worker does not spin on it.
    expect(await deps.queue.receive(queue, { maxMessages: 10 })).toEqual([]);
    const again = await until(
      async () => {
        const got = await deps.queue.receive(queue, { maxMessages: 10 });
        return got.length > 0 ? got : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    expect(again.map((m) => [m.body, m.receiveCount, m.attributes.heldBy])).toEqual([
      [body, 1, 'consumer-disabled'],
    ]);
    expect(await deps.objects.list('consumers/analytics/')).toEqual([]);
  }, 60_000);
});
