import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BulkCopyTally, indexBulkShare, renderBulkCopy } from '../../shared/app/bulk/bulk-copy.js';
import { deidentifyFiles } from '../../shared/app/deidentify-files.js';
import { deliverToConsumer } from '../../shared/app/deliver-to-consumer.js';
import { loadContract } from '../../shared/app/load-contract.js';
import { processSubmission } from '../../shared/app/process-submission.js';
import {
  ConsumerNotificationSchema,
  DeliverMessageSchema,
  type IngestMessage,
} from '../../shared/app/queue-messages.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { loadOrCreateSecret } from '../../shared/app/secrets.js';
import { storageKeys } from '../../shared/app/storage-keys.js';
import { consumerEncryptionContext, consumerKeyName } from '../../shared/app/submission.js';
import { createDeidEngine } from '../../shared/core/deid/engine.js';
import { createReleaseGate } from '../../shared/core/deid/gate/gate.js';
import { type PlainFile, storeBulkSubmission, syntheaNdjson, textFile } from '../helpers/bulk-files.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';

let t: TestStack;
let byType: Map<string, string[]>;
let files: PlainFile[];

beforeAll(async () => {
  t = await startTestStack({ PHI_WORKERS: 'false' });
  byType = await syntheaNdjson(2);
  files = [...byType.entries()].map(([type, lines]) =>
    textFile('fhir-ndjson', `${lines.join('\n')}\n`, type),
  );
}, 120_000);
afterAll(() => t?.close());

async function readCopy(consumer: string, submissionId: string): Promise<Buffer> {
  const deps = t.stack.deps;
  const stream = await deps.objects.getStream(storageKeys.consumerCopy(consumer, submissionId, 'ndjson'));
  const parts: Uint8Array[] = [];
  for await (const part of deps.envelope.decryptStream(
    consumerKeyName(consumer),
    stream ?? (async function* () {})(),
    consumerEncryptionContext(consumer, submissionId),
  ))
    parts.push(part);
  return Buffer.concat(parts);
}

async function deliverAll(msg: IngestMessage): Promise<string[]> {
  const deps = t.stack.deps;
  const { consumers } = await processSubmission(deps, msg);
  for (const consumer of consumers) {
    const [message] = await deps.queue.receive(queueNames.deliver(consumer), { maxMessages: 1 });
    expect(message).toBeDefined();
    const deliver = DeliverMessageSchema.parse(JSON.parse(message?.body ?? '{}'));
    expect(deliver.files).toEqual(msg.files);
    await expect(
      deliverToConsumer(deps, deliver, { messageId: message?.messageId ?? '' }),
    ).resolves.toMatchObject({
      outcome: 'delivered',
    });
    await deps.queue.delete(queueNames.deliver(consumer), message?.receiptHandle ?? '');
  }
  return consumers;
}

const nonProvenance = (text: string): string[] =>
  text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('{"resourceType":"Provenance"'))
    .sort();

describe('bulk submissions, streamed to every consumer', () => {
  it('gives each consumer one NDJSON copy with the lines phi deid gives, and one notification', async () => {
    const deps = t.stack.deps;
    const msg = await storeBulkSubmission(deps, files);
    const consumers = await deliverAll(msg);
    expect(consumers.sort()).toEqual(['analytics', 'billing', 'research']);
    const inputDir = await mkdtemp(join(tmpdir(), 'phi-bulk-in-'));
    try {
      const inputs: string[] = [];
      for (const [type, lines] of byType) {
        const path = join(inputDir, `${type}.ndjson`);
        await writeFile(path, `${lines.join('\n')}\n`);
        inputs.push(path);
      }
      for (const consumer of consumers) {
        const notes = await deps.queue.receive(queueNames.notify(consumer), { maxMessages: 10 });
        expect(notes).toHaveLength(1);
        const note = ConsumerNotificationSchema.parse(JSON.parse(notes[0]?.body ?? '{}'));
        expect(note.key).toBe(`consumers/${consumer}/${msg.submissionId}.ndjson`);
        const copy = await readCopy(consumer, msg.submissionId);
        expect(note.bytes).toBe(copy.byteLength);
        expect(note.sha256).toBe(createHash('sha256').update(copy).digest('hex'));
        const lines = copy
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== '');
        expect(Object.values(note.resourceCounts).reduce((a, b) => a + b, 0)).toBe(lines.length);
        expect(note.resourceCounts.Provenance).toBeGreaterThan(0);

        // The same engine, keys and reference date as `phi deid` over the same files: the same lines.
        const { contract } = await loadContract(deps.contracts, consumer);
        const keyId = `deid-${consumer}`;
        const secret = await loadOrCreateSecret(deps, consumerKeyName(consumer), keyId);
        const outDir = join(inputDir, `out-${consumer}`);
        await deidentifyFiles(inputs, {
          contract,
          secret,
          keyId,
          referenceDate: msg.receivedAt.slice(0, 10),
          outDir,
        });
        let expected: string[] = [];
        for (const input of inputs) {
          const name = input.slice(inputDir.length + 1);
          expected.push(...nonProvenance(await readFile(join(outDir, name), 'utf8')));
        }
        expected = expected.sort();
        expect(nonProvenance(copy.toString('utf8'))).toEqual(expected);
      }
    } finally {
      await rm(inputDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('delivers again as a duplicate, with no second notification', async () => {
    const deps = t.stack.deps;
    const msg = await storeBulkSubmission(deps, files.slice(0, 2));
    await deliverAll(msg);
    const again = await deliverToConsumer(
      deps,
      { ...msg, type: 'submission.deliver', consumer: 'research' },
      { messageId: randomUUID() },
    );
    expect(again.outcome).toBe('duplicate');
    expect(await deps.queue.receive(queueNames.notify('research'), { maxMessages: 10 })).toHaveLength(1);
  }, 120_000);

  it('refuses a file that does not match its declaration before anything is delivered', async () => {
    const deps = t.stack.deps;
    const msg = await storeBulkSubmission(deps, files.slice(0, 3));
    const tampered = {
      ...msg,
      files: (msg.files ?? []).map((f, i) => (i === 1 ? { ...f, bytes: f.bytes - 1 } : f)),
    };
    await expect(processSubmission(deps, tampered)).rejects.toMatchObject({ code: 'content-invalid' });
    await expect(
      deliverToConsumer(
        deps,
        { ...tampered, type: 'submission.deliver', consumer: 'analytics' },
        { messageId: 'm' },
      ),
    ).rejects.toMatchObject({ code: 'content-invalid' });
    expect(await deps.objects.exists(storageKeys.consumerCopy('analytics', msg.submissionId, 'ndjson'))).toBe(
      false,
    );
  }, 120_000);

  it.each([
    ['line 3', (root: string) => root.endsWith('[3]')],
    ['line 40', (root: string) => root.endsWith('[40]')],
    ['the closing Provenance', (root: string) => root.startsWith('Provenance[')],
  ])(
    'stores nothing when the release gate stops the copy at %s',
    async (_label, planted) => {
      const deps = t.stack.deps;
      const msg = await storeBulkSubmission(deps, files);
      const { contract } = await loadContract(deps.contracts, 'analytics');
      const engine = createDeidEngine({
        contract,
        secret: new Uint8Array(32).fill(7),
        keyId: 'k',
        referenceDate: '2026-01-01',
      });
      const real = createReleaseGate(engine.contract);
      // A gate that also finds something at one line, wherever a planted value would be.
      const gate = {
        ...real,
        scan: (values: Parameters<typeof real.scan>[0], output: unknown, root: string, hits = []) => {
          const found = real.scan(values, output, root, hits);
          if (planted(root)) found.push({ path: `${root}.note`, kind: 'name' as const });
          return found;
        },
      };
      const index = await indexBulkShare(deps, msg, msg.files ?? [], gate);
      const tally: BulkCopyTally = { sha256: '', bytes: 0, lines: 0, resourceCounts: {} };
      const key = `consumers/analytics/${msg.submissionId}.ndjson`;
      await expect(
        deps.objects.putStream(
          key,
          deps.envelope.encryptStream(
            consumerKeyName('analytics'),
            renderBulkCopy(deps, msg, msg.files ?? [], engine, gate, index, tally),
            consumerEncryptionContext('analytics', msg.submissionId),
          ),
          { ifAbsent: true },
        ),
      ).rejects.toMatchObject({ code: 'residual-phi' });
      expect(await deps.objects.exists(key)).toBe(false);
    },
    120_000,
  );
});
