import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createDeliver } from '../../functions/sqs-deliver.js';
import { createHandler as createProcess } from '../../functions/sqs-process.js';
import { localLambdaContext } from '../../local/lambda-context.js';
import { readConsumerStatus } from '../../shared/app/consumer-status.js';
import { ensureFhirClientKey } from '../../shared/app/fhir-client-key.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { storageKeys } from '../../shared/app/storage-keys.js';
import { type FhirTestServer, startFhirTestServer } from '../helpers/fhir-server.js';
import { readAuditRecords } from '../helpers/invariants.js';
import { sqsEvent } from '../helpers/sqs-events.js';
import { freePort, startTestStack, type TestStack } from '../helpers/test-stack.js';
import { until } from '../helpers/until.js';

const FIXTURE = path.resolve(import.meta.dirname, '../../samples/fhir/Bundle-bundle-transaction.json');
const CLIENT_ID = 'phi-pipeline';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Ids and names the fixture's Patients carry; none may reach the consumer's server. */
const INPUT_IDS = [
  '123',
  '123a',
  '61ebe359-bfdc-4613-8bf2-c5e300945f0a',
  '88f151c0-a954-468a-88bd-5ae15c08e059',
];

/** Delivery goes through the FHIR server too: poll every 100 ms, for up to a minute. */
const POLL = { timeoutMs: 60_000, intervalMs: 100 };

/** A Safe Harbor consumer whose share goes to a FHIR server instead of an object and a notification. */
async function writeFhirContract(home: string, name: string, baseUrl: string, tokenUrl: string) {
  const contract = {
    schemaVersion: 1,
    name,
    version: '1.0.0',
    extends: 'safe-harbor',
    delivery: { type: 'fhir', baseUrl, tokenUrl, clientId: CLIENT_ID, scope: 'system/*.write' },
  };
  await writeFile(path.join(home, 'contracts', `${name}.json`), JSON.stringify(contract));
}

type Json = Record<string, unknown>;

async function patients(server: FhirTestServer): Promise<Json[]> {
  const { status, body } = await server.get('Patient?_count=1000');
  expect(status).toBe(200);
  const entries = (body.entry ?? []) as { resource: Json }[];
  return entries.map((e) => e.resource);
}

let submissions = 0;

/** The fixture, made a distinct submission each time (identical bytes would be the same submission). */
async function submit(t: TestStack): Promise<string> {
  const client = await t.client();
  const bundle = JSON.parse(await readFile(FIXTURE, 'utf8')) as Json;
  bundle.id = `fhir-delivery-${++submissions}`;
  const res = await client.submit(new TextEncoder().encode(JSON.stringify(bundle)));
  expect(res.status).toBe(202);
  return (res.json as { submissionId: string }).submissionId;
}

const statusOf = (t: TestStack, id: string, consumer: string) =>
  readConsumerStatus(t.stack.deps.objects, 'demo', id, consumer);

describe('FHIR delivery: a consumer whose contract says delivery: fhir', () => {
  let t: TestStack;
  let server: FhirTestServer;
  let publicJwk: Awaited<ReturnType<typeof ensureFhirClientKey>>['publicJwk'];

  beforeAll(async () => {
    server = await startFhirTestServer();
    // Retries back off from half a second, and the server-down case has room for many of them.
    t = await startTestStack({ PHI_RETRY_BASE_SECONDS: '0.5', PHI_MAX_RECEIVE_COUNT: '40' });
    ({ publicJwk } = await ensureFhirClientKey(t.stack.deps, 'ehr'));
    await server.register(CLIENT_ID, publicJwk);
    await writeFhirContract(t.home, 'ehr', server.baseUrl, server.tokenUrl);
  });
  afterAll(async () => {
    await t?.close();
    await server?.stop();
  });

  it('posts the de-identified resources as a transaction; the server holds them under pseudonymous ids', async () => {
    const id = await submit(t);
    const status = await until(async () => {
      const s = (await (await t.client()).status(id)).json as {
        status: string;
        consumers: { id: string; status: string }[];
      };
      return s.status === 'delivered' ? s : undefined;
    }, POLL);
    expect(status.consumers.map((c) => c.id).sort()).toEqual(['analytics', 'billing', 'ehr', 'research']);
    expect((await statusOf(t, id, 'ehr'))?.status).toBe('delivered');

    const stored = await patients(server);
    // Five Patients in the fixture (POST, conditional POST, PUT, conditional PUT, PUT with If-Match).
    expect(stored).toHaveLength(5);
    const text = JSON.stringify(stored);
    expect(text).not.toContain('Chalmers');
    expect(text).not.toContain('Peter');
    for (const patient of stored) {
      expect(patient.id).toMatch(UUID);
      expect(INPUT_IDS).not.toContain(patient.id);
      expect(patient.name).toBeUndefined();
      expect(JSON.stringify(patient.meta)).toContain('ehr@1.0.0');
    }
    expect(await server.stats()).toMatchObject({ transactions: 1 });

    // FHIR delivery replaces the object and the notification.
    expect(await t.stack.deps.objects.list('consumers/ehr/')).toHaveLength(0);
    expect(await t.stack.deps.queue.receive(queueNames.notify('ehr'), { maxMessages: 10 })).toHaveLength(0);
    const audit = (await readAuditRecords(t.home)).filter(
      (r) => r.action === 'delivery' && r.submissionId === id && r.details?.consumer === 'ehr',
    );
    expect(audit).toHaveLength(1);
    // The fixture's five resources and the share's Provenance (provenance.ts), PUT last.
    expect(audit[0]?.details).toMatchObject({ delivery: 'fhir', entries: 6, transactions: 1, skipped: 0 });
    const provenance = await server.get('Provenance?_count=10');
    expect(provenance.status).toBe(200);
    const held = ((provenance.body.entry ?? []) as { resource: Json }[]).map((e) => e.resource);
    expect(held).toHaveLength(1);
    expect(held[0]?.policy).toEqual([
      'urn:phi-pipeline:deid-contract:ehr@1.0.0',
      'urn:phi-pipeline:deid-profile:safe-harbor',
    ]);
    const targets = ((held[0]?.target ?? []) as { reference: string }[]).map((r) => r.reference);
    expect(targets.sort()).toEqual(stored.map((p) => `Patient/${String(p.id)}`).sort());
  });

  it('dead-letters only this consumer with delivery-rejected when the server answers 400', async () => {
    await server.rejectTransactions(400);
    try {
      const id = await submit(t);
      const ehr = await until(async () => {
        const s = await statusOf(t, id, 'ehr');
        return s?.status === 'dead-lettered' ? s : undefined;
      }, POLL);
      expect(ehr.reason).toBe('delivery-rejected');
      for (const consumer of ['analytics', 'billing', 'research']) {
        await until(
          async () => ((await statusOf(t, id, consumer))?.status === 'delivered' ? true : undefined),
          POLL,
        );
      }
      const [dead] = await t.stack.deps.queue.receive(queueNames.deadLetter(queueNames.deliver('ehr')), {
        maxMessages: 10,
      });
      expect(dead?.attributes?.failureReason).toBe('delivery-rejected');
      expect(JSON.parse(dead?.body ?? '{}')).toMatchObject({ submissionId: id, consumer: 'ehr' });
      // Permanent: one try, no retries.
      const failure = await t.stack.deps.objects.get(
        storageKeys.failure(queueNames.deliver('ehr'), dead?.attributes?.originalMessageId ?? ''),
      );
      expect(JSON.parse(Buffer.from(failure?.body ?? []).toString('utf8'))).toMatchObject({
        lastReason: 'delivery-rejected',
        attempts: 1,
      });
      // The server's answer quoted the refused resource; none of it was kept anywhere.
      expect(await filesContaining(t.home, 'refused:')).toEqual([]);
    } finally {
      await server.rejectTransactions(undefined);
    }
  });

  it('retries while the server is down and delivers once when it is back', async () => {
    const port = server.port;
    await server.stop();
    const id = await submit(t);
    // At least one failed try, recorded as retryable.
    const failure = await until(async () => {
      for (const key of await t.stack.deps.objects.list(`failures/${queueNames.deliver('ehr')}/`)) {
        const record = JSON.parse(
          Buffer.from((await t.stack.deps.objects.get(key))?.body ?? []).toString('utf8'),
        ) as { lastReason: string };
        if (record.lastReason === 'delivery-unavailable') return record;
      }
      return undefined;
    }, POLL);
    expect(failure.lastReason).toBe('delivery-unavailable');
    expect((await statusOf(t, id, 'ehr'))?.status).toBe('processing');

    // The same address again, with an empty store and no memory of tokens it issued before.
    server = await startFhirTestServer({ port });
    await server.register(CLIENT_ID, publicJwk);
    await until(
      async () => ((await statusOf(t, id, 'ehr'))?.status === 'delivered' ? true : undefined),
      POLL,
    );
    expect(await server.stats()).toMatchObject({ transactions: 1 });
    expect(await patients(server)).toHaveLength(5);
  });
});

describe('FHIR delivery: replays and retries never duplicate resources on the server', () => {
  let t: TestStack;
  let server: FhirTestServer;

  beforeAll(async () => {
    server = await startFhirTestServer();
    t = await startTestStack({ PHI_WORKERS: 'false', PHI_RETRY_BASE_SECONDS: '0' });
    const { publicJwk } = await ensureFhirClientKey(t.stack.deps, 'ehr');
    await server.register(CLIENT_ID, publicJwk);
    await writeFhirContract(t.home, 'ehr', server.baseUrl, server.tokenUrl);
  });
  afterAll(async () => {
    await t?.close();
    await server?.stop();
  });

  it('does not post a delivered share again, and a repeated post updates instead of creating', async () => {
    const deps = t.stack.deps;
    const id = await submit(t);
    const [ingest] = await deps.queue.receive(queueNames.ingest, { maxMessages: 1 });
    const process = createProcess(async () => deps);
    await process(
      sqsEvent(queueNames.ingest, [{ body: ingest?.body ?? '', messageId: 'ingest-1' }]),
      localLambdaContext('p', '1'),
    );
    const [work] = await deps.queue.receive(queueNames.deliver('ehr'), { maxMessages: 1 });
    const body = work?.body ?? '';
    expect(JSON.parse(body)).toMatchObject({ submissionId: id, consumer: 'ehr' });
    const deliver = createDeliver(async () => deps);
    const run = async (messageId: string) =>
      (
        await deliver(
          sqsEvent(queueNames.deliver('ehr'), [{ body, messageId }]),
          localLambdaContext('d', messageId),
        )
      ).batchItemFailures;

    expect(await run('m-1')).toEqual([]);
    expect((await statusOf(t, id, 'ehr'))?.status).toBe('delivered');
    const first = await patients(server);
    expect(first).toHaveLength(5);
    const after1 = await server.stats();
    expect(after1.transactions).toBe(1);

    // A replay of the delivered message (another message id, as from `phi dlq replay`): no post at all.
    expect(await run('m-2')).toEqual([]);
    expect((await server.stats()).transactions).toBe(1);

    // A worker that died after posting and before marking `sent`: the next try posts again, and the
    // PUTs to the same pseudonymous ids update the resources rather than adding copies.
    const markerKey = storageKeys.deliveryMarker('ehr', id);
    const marker = JSON.parse(Buffer.from((await deps.objects.get(markerKey))?.body ?? []).toString('utf8'));
    await deps.objects.put(
      markerKey,
      new TextEncoder().encode(JSON.stringify({ ...marker, state: 'pending', leaseUntil: 0 })),
    );
    expect(await run('m-3')).toEqual([]);
    const after3 = await server.stats();
    expect(after3.transactions).toBe(2);
    // The access token was cached: no second token for the second post.
    expect(after3.tokens).toBe(after1.tokens);
    const second = await patients(server);
    expect(second.map((p) => p.id).sort()).toEqual(first.map((p) => p.id).sort());
    const firstPatient = first[0]?.id;
    const history = await server.get(`Patient/${String(firstPatient)}/_history`);
    expect((history.body.entry as unknown[]).length).toBe(2);
    expect((await statusOf(t, id, 'ehr'))?.status).toBe('delivered');
  });

  it('dead-letters a FHIR consumer that has no client key, naming the fix', async () => {
    const port = await freePort();
    await writeFhirContract(
      t.home,
      'nokey',
      `http://127.0.0.1:${port}/fhir`,
      `http://127.0.0.1:${port}/auth/token`,
    );
    const deps = t.stack.deps;
    const id = await submit(t);
    const [ingest] = await deps.queue.receive(queueNames.ingest, { maxMessages: 1 });
    await createProcess(async () => deps)(
      sqsEvent(queueNames.ingest, [{ body: ingest?.body ?? '', messageId: 'ingest-2' }]),
      localLambdaContext('p', '2'),
    );
    const [work] = await deps.queue.receive(queueNames.deliver('nokey'), { maxMessages: 1 });
    const failures = await createDeliver(async () => deps)(
      sqsEvent(queueNames.deliver('nokey'), [{ body: work?.body ?? '', messageId: 'nokey-1' }]),
      localLambdaContext('d', 'nokey-1'),
    );
    // Permanent: acknowledged and moved to the dead-letter queue at once.
    expect(failures.batchItemFailures).toEqual([]);
    const status = await statusOf(t, id, 'nokey');
    expect(status).toMatchObject({ status: 'dead-lettered', reason: 'config-invalid' });
  });
});

/** Files under `dir` whose bytes contain `needle`. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if ((await readFile(file)).includes(needle)) hits.push(file);
  }
  return hits;
}
