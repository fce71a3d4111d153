import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandler, parseReplayEvent } from '../../functions/invoke-replay.js';
import { localLambdaContext } from '../../local/lambda-context.js';
import { FileAuditLog } from '../../shared/adapters/embedded/file-audit-log.js';
import type { PipelineDeps } from '../../shared/app/pipeline-deps.js';
import type { IngestMessage } from '../../shared/app/queue-messages.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { PipelineError } from '../../shared/core/errors.js';
import { loadConfig } from '../../shared/runtime/config.js';
import { createEmbeddedDeps } from '../../shared/runtime/embedded-deps.js';

/** The replay function over the embedded adapters: the same use case the deployed function runs. */
let home: string;
let deps: PipelineDeps;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'phi-replay-fn-'));
  deps = createEmbeddedDeps(loadConfig({ PHI_HOME: home }));
});

afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

/** A permanently failed ingest message, parked the way the SQS worker parks one. */
async function deadLetter(): Promise<string> {
  const submissionId = randomUUID();
  const message: IngestMessage = {
    version: 1,
    type: 'submission.accepted',
    submissionId,
    partner: 'demo',
    kind: 'bundle',
    bucket: 'local',
    key: `raw/demo/${submissionId}`,
    contentDigest: 'sha-256=:AAAA:',
    receivedAt: new Date().toISOString(),
  };
  await deps.queue.send(queueNames.deadLetter(queueNames.ingest), JSON.stringify(message), {
    attributes: { failureReason: 'crypto-failed', originalMessageId: randomUUID() },
  });
  return submissionId;
}

const invoke = (event: unknown) =>
  createHandler(() => Promise.resolve(deps))(event, localLambdaContext('replay', randomUUID()));

const codeOf = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    return error instanceof PipelineError ? error.code : 'not a PipelineError';
  }
  return 'no error';
};

describe('Function: invoke-replay', () => {
  it('moves the dead letters back to their source queue and audits each move with the operator', async () => {
    const submissionId = await deadLetter();
    const response = await invoke({
      all: true,
      operator: 'alice@example.org',
      ticket: 'CHG-7',
      host: 'desk-1',
    });
    expect(response.counts).toEqual({ replayed: 1, wouldReplay: 0, alreadyMoved: 0 });
    expect(response.results[0]).toMatchObject({ submissionId, sourceQueue: 'ingest', outcome: 'replayed' });
    const back = await deps.queue.receive(queueNames.ingest, {
      maxMessages: 10,
      visibilityTimeoutSeconds: 30,
    });
    expect(back.map((m) => (JSON.parse(m.body) as IngestMessage).submissionId)).toEqual([submissionId]);
    const audit = (await new FileAuditLog(home).read()).map(
      (line) =>
        JSON.parse(line.text) as {
          action: string;
          actor: { id: string };
          submissionId?: string;
          details?: Record<string, unknown>;
        },
    );
    expect(audit.filter((r) => r.action === 'replay')).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ id: 'alice@example.org' }),
        submissionId,
        details: expect.objectContaining({ ticket: 'CHG-7', host: 'desk-1' }),
      }),
    ]);
  });

  it('moves nothing on a dry run, and reports ids that matched no dead letter', async () => {
    const submissionId = await deadLetter();
    const dry = await invoke({ submissions: [submissionId], dryRun: true, operator: 'bob', ticket: 'CHG-8' });
    expect(dry.counts.wouldReplay).toBe(1);
    expect(await deps.deadLetters.list(queueNames.ingest)).toHaveLength(1);
    const none = await invoke({
      queue: 'ingest-dlq',
      ids: ['no-such-message'],
      operator: 'bob',
      ticket: 'CHG-8',
    });
    expect(none.unmatched).toEqual(['no-such-message']);
    expect(none.counts.replayed).toBe(0);
  });

  it('requires an operator, a ticket and exactly one selection, naming fields and never echoing values', async () => {
    expect(await codeOf(invoke({ all: true, ticket: 'CHG-8' }))).toBe('content-invalid');
    expect(await codeOf(invoke({ all: true, operator: 'bob' }))).toBe('content-invalid');
    expect(await codeOf(invoke({ all: true, operator: 'bob', ticket: 'patient Jane Doe' }))).toBe(
      'content-invalid',
    );
    expect(await codeOf(invoke({ all: true, ids: ['a'], operator: 'bob', ticket: 'CHG-8' }))).toBe(
      'content-invalid',
    );
    expect(await codeOf(invoke({ operator: 'bob', ticket: 'CHG-8' }))).toBe('content-invalid');
    expect(await codeOf(invoke(null))).toBe('content-invalid');
    const secret = 'Jane Q. Patient <script>';
    let message = '';
    try {
      parseReplayEvent({ all: true, operator: secret, ticket: 'CHG-8', extra: secret });
    } catch (error) {
      message = error instanceof Error ? error.message : '';
      expect((error as PipelineError).details).toEqual({ fields: ['(event)', 'operator'] });
    }
    expect(message).toMatch(/operator/);
    expect(message).not.toContain('Jane');
  });
});
