import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createProcess } from '../../functions/sqs-process.js';
import { localLambdaContext } from '../../local/lambda-context.js';
import { addPartner } from '../../local/partner-keys.js';
import { ConsumerNotificationSchema } from '../../shared/app/queue-messages.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { consumerEncryptionContext, consumerKeyName } from '../../shared/app/submission.js';
import { validateBundle } from '../../shared/core/fhir/validate-bundle.js';
import { claimFileAccepted, validateClaimFile } from '../../shared/core/x12/validate.js';
import { sqsEvent } from '../helpers/sqs-events.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';
import { until } from '../helpers/until.js';

const sample = (name: string) => readFile(path.resolve(import.meta.dirname, '../../samples/x12', name));
const POLL = { timeoutMs: 60_000, intervalMs: 100 };

const segments = (x12: string): string[][] => {
  const terminator = x12[105] ?? '~';
  const element = x12[3] ?? '*';
  return x12
    .split(terminator)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => s.split(element));
};
const segment = (x12: string, id: string) => segments(x12).find((s) => s[0] === id);

/** A sample 837 with another ISA13 (and IEA02), so it is a new interchange. */
const withControl = (x12: string, control: string): string =>
  x12.slice(0, 90) + control + x12.slice(99).replace(/IEA\*1\*\d{9}/, `IEA*1*${control}`);

describe('Claims: an 837 is checked, acknowledged and delivered as X12 and as FHIR', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ PHI_RETRY_BASE_SECONDS: '0' });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function copyOf(consumer: string, id: string): Promise<{ text: string; contentType: string }> {
    const notes = await t.stack.deps.queue.receive(queueNames.notify(consumer), { maxMessages: 10 });
    const note = notes
      .map((n) => ConsumerNotificationSchema.parse(JSON.parse(n.body)))
      .find((n) => n.submissionId === id);
    if (note === undefined) throw new TypeError(`no notification for ${consumer}`);
    const stored = await t.stack.deps.objects.get(note.key);
    const plaintext = await t.stack.deps.envelope.decrypt(
      consumerKeyName(consumer),
      stored?.body ?? new Uint8Array(),
      consumerEncryptionContext(consumer, id),
    );
    return { text: Buffer.from(plaintext).toString('utf8'), contentType: note.contentType };
  }

  it('accepts an 837P with a TA1 and a 999 that accept it, then a 277CA, and delivers billing X12 and analytics FHIR', async () => {
    const client = await t.client();
    const body = await sample('demo.example1.837');
    const res = await client.submit(body);
    expect(res.status).toBe(202);
    const id = (res.json as { submissionId: string }).submissionId;

    const ack999 = await client.acknowledgement(id, '999');
    expect(ack999.status).toBe(200);
    expect(ack999.headers['content-type']).toBe('application/edi-x12');
    expect(segment(ack999.text, 'AK9')?.[1]).toBe('A');
    expect(segment(ack999.text, 'IK5')?.[1]).toBe('A');
    const unknownType = await client.acknowledgement(id, 'x12' as '999');
    expect(unknownType.status).toBe(400);
    expect(unknownType.text).toContain('bad-request');
    const ta1 = await client.acknowledgement(id, 'ta1');
    expect(segment(ta1.text, 'TA1')?.slice(1, 2)).toEqual([body.toString('latin1').slice(90, 99)]);
    expect(segment(ta1.text, 'TA1')?.[4]).toBe('A');

    const status = await until(async () => {
      const s = (await client.status(id)).json as { status: string; consumers: { id: string }[] };
      return s.status === 'delivered' ? s : undefined;
    }, POLL);
    expect(status.consumers.map((c) => c.id).sort()).toEqual(['analytics', 'billing', 'research']);

    const ca = await until(async () => {
      const r = await client.acknowledgement(id, '277ca');
      return r.status === 200 ? r : undefined;
    }, POLL);
    expect(segment(ca.text, 'ST')?.[1]).toBe('277');
    expect(segments(ca.text).filter((s) => s[0] === 'STC').length).toBeGreaterThan(0);

    const billing = await copyOf('billing', id);
    expect(billing.contentType).toBe('application/edi-x12');
    expect(billing.text.startsWith('ISA')).toBe(true);
    expect(claimFileAccepted(validateClaimFile(new TextEncoder().encode(billing.text)))).toBe(true);
    for (const value of ['SMITH', 'JS00111223333', '236 N MAIN ST'])
      expect(billing.text).not.toContain(value);
    // Clinical codes stay.
    expect(segments(billing.text).some((s) => s[0] === 'SV1')).toBe(true);

    const analytics = await copyOf('analytics', id);
    expect(analytics.contentType).toBe('application/fhir+ndjson');
    for (const value of ['SMITH', 'JS00111223333', '236 N MAIN ST'])
      expect(analytics.text).not.toContain(value);
    const resources = analytics.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { resourceType: string });
    expect(resources.map((r) => r.resourceType)).toContain('Claim');
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: resources.map((resource) => ({ resource })),
    };
    expect(() => validateBundle(bundle)).not.toThrow();
  });

  it('refuses a repeated ISA13 with other content: 422, or its TA1 025 for Accept: application/edi-x12', async () => {
    const client = await t.client();
    const first = await sample('institutional-claim.837i');
    const text = first.toString('latin1');
    const original = withControl(text, '000004711');
    expect((await client.submit(Buffer.from(original, 'latin1'))).status).toBe(202);
    expect((await client.submit(Buffer.from(original, 'latin1'))).status).toBe(200);
    // The same bytes asked for as a new submission (another Idempotency-Key) repeat the ISA13 too.
    const again = await client.submit(Buffer.from(original, 'latin1'), { idempotencyKey: 'resend-1' });
    expect(again.status).toBe(422);
    expect(JSON.stringify(again.json)).toContain('"ISA13"');

    const changed = Buffer.from(original.replace('BHT*0019*00*', 'BHT*0019*00*9'), 'latin1');
    const raw = await t.stack.deps.objects.list('raw/');
    const refused = await client.submit(changed);
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.json)).toContain('"ISA13"');
    const asX12 = await client.submit(changed, { accept: 'application/edi-x12' });
    expect(asX12.status).toBe(422);
    expect(asX12.headers['content-type']).toBe('application/edi-x12');
    expect(segment(asX12.body.toString('latin1'), 'TA1')?.slice(4, 6)).toEqual(['R', '025']);
    expect(await t.stack.deps.objects.list('raw/')).toEqual(raw);
  });

  it('refuses a malformed 837 as invalid-claim naming each defect by position, or with its 999 for edi-x12', async () => {
    const client = await t.client();
    const text = withControl((await sample('demo.example1.837')).toString('latin1'), '000004712');
    // NM103 (the subscriber's last name) emptied: a required element missing.
    const broken = Buffer.from(text.replace('NM1*IL*1*SMITH*', 'NM1*IL*1**'), 'latin1');
    const raw = await t.stack.deps.objects.list('raw/');
    const res = await client.submit(broken);
    expect(res.status).toBe(422);
    const outcome = res.json as {
      issue: { expression?: string[]; details: { coding: { code: string }[] } }[];
    };
    expect(outcome.issue[0]?.details.coding[0]?.code).toBe('invalid-claim');
    expect(outcome.issue.flatMap((i) => i.expression ?? [])).toContain('2010BA/NM1[17]/NM103');
    expect(res.body.toString()).not.toContain('SMITH');

    const asX12 = await client.submit(broken, { accept: 'application/edi-x12' });
    expect(asX12.status).toBe(422);
    const ack = asX12.body.toString('latin1');
    expect(segment(ack, 'ST')?.[1]).toBe('999');
    expect(segment(ack, 'AK9')?.[1]).toBe('R');
    expect(segment(ack, 'IK3')?.slice(1, 4)).toEqual(['NM1', '17', '2010BA']);
    expect(await t.stack.deps.objects.list('raw/')).toEqual(raw);
  });

  it('answers 404 for the acknowledgement of a bundle or of another partner’s claim', async () => {
    const client = await t.client();
    const bundle = await client.submit(
      Buffer.from(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [] })),
    );
    const bundleId = (bundle.json as { submissionId: string }).submissionId;
    expect((await client.acknowledgement(bundleId, '999')).status).toBe(404);

    const claim = await client.submit(
      Buffer.from(withControl((await sample('demo.example1.837')).toString('latin1'), '000004713'), 'latin1'),
    );
    const claimId = (claim.json as { submissionId: string }).submissionId;
    await addPartner(t.home, t.stack.deps.partners, t.stack.deps.clock, 'other-lab');
    const other = await t.client('other-lab');
    const theirs = await other.acknowledgement(claimId, '999');
    const unknown = await other.acknowledgement('00000000-0000-4000-8000-000000000000', '999');
    expect(theirs.status).toBe(404);
    expect(theirs.text).toBe(unknown.text);
  });
});

describe('Claims: a kind no contract takes is never called delivered', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ PHI_WORKERS: 'false' });
    // Every consumer back to bundles only.
    const dir = path.join(t.home, 'contracts');
    for (const file of await readdir(dir)) {
      const contract = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Record<string, unknown>;
      delete contract.kinds;
      delete contract.claims;
      await writeFile(path.join(dir, file), JSON.stringify(contract));
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stays accepted, with no consumer and reason no-consumer, once processed', async () => {
    const client = await t.client();
    const res = await client.submit(await sample('demo.example1.837'));
    const id = (res.json as { submissionId: string }).submissionId;
    const deps = t.stack.deps;
    const [ingest] = await deps.queue.receive(queueNames.ingest, { maxMessages: 1 });
    const processed = await createProcess(async () => deps)(
      sqsEvent(queueNames.ingest, [{ body: ingest?.body ?? '', messageId: 'i-0' }]),
      localLambdaContext('process', 'p'),
    );
    expect(processed).toEqual({ batchItemFailures: [] });
    const status = (await client.status(id)).json;
    expect(status).toMatchObject({
      id,
      kind: 'claim',
      status: 'accepted',
      consumers: [],
      reason: 'no-consumer',
    });
    for (const consumer of ['analytics', 'billing', 'research']) {
      expect(await deps.queue.receive(queueNames.deliver(consumer), { maxMessages: 1 })).toEqual([]);
    }
  });
});
