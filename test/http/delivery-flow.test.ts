import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createDeliver } from '../../functions/sqs-deliver.js';
import { createHandler as createProcess } from '../../functions/sqs-process.js';
import { localLambdaContext } from '../../local/lambda-context.js';
import { ConsumerNotificationSchema } from '../../shared/app/queue-messages.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { consumerEncryptionContext, consumerKeyName } from '../../shared/app/submission.js';
import { sqsEvent } from '../helpers/sqs-events.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';
import { until } from '../helpers/until.js';

const fixture = (name: string) => readFile(path.resolve(import.meta.dirname, '../../samples', name));

/** A submission crosses the whole pipeline: poll every 100 ms, for up to a minute. */
const POLL = { timeoutMs: 60_000, intervalMs: 100 };

describe('Delivery: a submission travels to each consumer', () => {
  let t: TestStack;
  beforeAll(async () => {
    // The shipped contracts: analytics (Safe Harbor, NDJSON), research (limited data set), billing.
    t = await startTestStack({ PHI_RETRY_BASE_SECONDS: '0' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('delivers a de-identified, consumer-encrypted copy and one notification per consumer', async () => {
    const client = await t.client();
    const body = await fixture('fhir/Bundle-bundle-transaction.json');
    const res = await client.submit(body);
    expect(res.status).toBe(202);
    const id = (res.json as { submissionId: string }).submissionId;

    const status = await until(async () => {
      const s = (await client.status(id)).json as {
        status: string;
        consumers: { id: string; status: string }[];
      };
      return s.status === 'delivered' ? s : undefined;
    }, POLL);
    expect(status.consumers.map((c) => c.id).sort()).toEqual(['analytics', 'billing', 'research']);

    const [note] = await t.stack.deps.queue.receive(queueNames.notify('analytics'), { maxMessages: 10 });
    const notification = ConsumerNotificationSchema.parse(JSON.parse(note?.body ?? '{}'));
    expect(notification).toMatchObject({
      submissionId: id,
      consumer: 'analytics',
      key: `consumers/analytics/${id}.ndjson`,
    });
    const stored = await t.stack.deps.objects.get(notification.key);
    const plaintext = await t.stack.deps.envelope.decrypt(
      consumerKeyName('analytics'),
      stored?.body ?? new Uint8Array(),
      consumerEncryptionContext('analytics', id),
    );
    expect(plaintext.byteLength).toBe(notification.bytes);
    const text = Buffer.from(plaintext).toString('utf8');
    expect(text).not.toContain('Chalmers'); // the fixture patient's family name
    const lines = text.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    // NDJSON lines stand alone: no reference may point at a bundle-local urn:uuid.
    expect(text).not.toMatch(/"reference":"urn:uuid:/);

    // Another consumer's key and context cannot open this copy.
    await expect(
      t.stack.deps.envelope.decrypt(
        consumerKeyName('research'),
        stored?.body ?? new Uint8Array(),
        consumerEncryptionContext('research', id),
      ),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^crypto-/) });
  });
});

describe('Delivery: two copies of one deliver message in the same batch', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ PHI_WORKERS: 'false', PHI_RETRY_BASE_SECONDS: '0' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends one notification: the second copy backs off and then finds the delivery done', async () => {
    const deps = t.stack.deps;
    const client = await t.client();
    const res = await client.submit(await fixture('fhir/Bundle-bundle-transaction.json'));
    expect(res.status).toBe(202);
    const [ingest] = await deps.queue.receive(queueNames.ingest, { maxMessages: 1 });
    const process = createProcess(async () => deps);
    await process(
      sqsEvent(queueNames.ingest, [{ body: ingest?.body ?? '', messageId: 'i-0' }]),
      localLambdaContext('process', 'p'),
    );
    const [work] = await deps.queue.receive(queueNames.deliver('analytics'), { maxMessages: 1 });
    const body = work?.body ?? '';

    const deliver = createDeliver(async () => deps);
    const first = await deliver(
      sqsEvent(queueNames.deliver('analytics'), [
        { body, messageId: 'm-0' },
        { body, messageId: 'm-1' },
      ]),
      localLambdaContext('d', '1'),
    );
    const second = await deliver(
      sqsEvent(queueNames.deliver('analytics'), [{ body, messageId: 'm-2' }]),
      localLambdaContext('d', '2'),
    );

    expect(first.batchItemFailures).toHaveLength(1);
    expect(second.batchItemFailures).toHaveLength(0);
    const notes = await deps.queue.receive(queueNames.notify('analytics'), { maxMessages: 10 });
    expect(notes).toHaveLength(1);
    expect(await deps.objects.list('consumers/analytics/')).toHaveLength(1);
  });
});
