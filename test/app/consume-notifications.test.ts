import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directoryOutput } from '../../cli/output-directory.js';
import { FileAuditLog } from '../../shared/adapters/embedded/file-audit-log.js';
import {
  FileAuditSink,
  FileObjectStore,
  LocalKeyProvider,
  SqliteDeadLetters,
  SqliteQueue,
} from '../../shared/adapters/embedded/index.js';
import {
  type ConsumeDeps,
  type ConsumeOutcome,
  consumeNotifications,
  type PlaintextOutput,
} from '../../shared/app/consume-notifications.js';
import type { ConsumerNotification } from '../../shared/app/queue-messages.js';
import { queueNames } from '../../shared/app/queue-names.js';
import { consumerEncryptionContext, consumerKeyName } from '../../shared/app/submission.js';
import { createEnvelope } from '../../shared/crypto/envelope.js';
import type { Clock } from '../../shared/ports/clock.js';

class FakeClock implements Clock {
  constructor(private ms = Date.parse('2026-08-01T00:00:00.000Z')) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

interface Harness {
  readonly home: string;
  readonly out: string;
  readonly clock: FakeClock;
  readonly queue: SqliteQueue;
  readonly deps: ConsumeDeps;
}

const PLAINTEXT = new TextEncoder().encode('{"resourceType":"Patient","id":"p1"}\n');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function harness(maxReceiveCount = 5): Promise<Harness> {
  const home = await mkdtemp(join(tmpdir(), 'phi-consume-'));
  const clock = new FakeClock();
  const queue = new SqliteQueue(home, { clock, maxReceiveCount });
  const deps: ConsumeDeps = {
    objects: new FileObjectStore(home),
    queue,
    envelope: createEnvelope(new LocalKeyProvider(home)),
    audit: new FileAuditSink(home),
    clock,
  };
  return { home, out: join(home, 'out'), clock, queue, deps };
}

/** What the deliver worker leaves behind: the consumer-encrypted copy and its SPEC §4 notification. */
async function storeCopy(h: Harness, consumer: string, plaintext = PLAINTEXT): Promise<ConsumerNotification> {
  const submissionId = randomUUID();
  const key = `consumers/${consumer}/${submissionId}.ndjson`;
  const ciphertext = await h.deps.envelope.encrypt(
    consumerKeyName(consumer),
    plaintext,
    consumerEncryptionContext(consumer, submissionId),
  );
  await h.deps.objects.put(key, ciphertext);
  return {
    version: 1,
    type: 'submission.delivered',
    submissionId,
    consumer,
    bucket: h.deps.objects.bucket,
    key,
    contentType: 'application/fhir+ndjson',
    sha256: sha256(plaintext),
    bytes: plaintext.byteLength,
    resourceCounts: { Patient: 1 },
    profile: 'safe-harbor',
    createdAt: h.clock.now().toISOString(),
  };
}

const notify = (h: Harness, consumer: string, body: unknown) =>
  h.deps.queue.send(queueNames.notify(consumer), typeof body === 'string' ? body : JSON.stringify(body));

async function consumeOnce(h: Harness, consumer: string, output: PlaintextOutput = directoryOutput(h.out)) {
  const outcomes: ConsumeOutcome[] = [];
  const summary = await consumeNotifications(h.deps, {
    consumer,
    output,
    once: true,
    onOutcome: (o) => outcomes.push(o),
  });
  return { summary, outcomes };
}

async function auditRecords(home: string) {
  return (await new FileAuditLog(home).read()).map(
    (line) =>
      JSON.parse(line.text) as { action: string; outcome: string; code?: string; submissionId?: string },
  );
}

const outFiles = (h: Harness) => readdir(h.out).catch(() => [] as string[]);

describe('Function: consumeNotifications', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    h.queue.close();
    await rm(h.home, { recursive: true, force: true });
  });

  it('writes the decrypted copy as DIR/<submissionId>.<ext> (0600), deletes the notification, audits the decrypt', async () => {
    const note = await storeCopy(h, 'lake');
    await notify(h, 'lake', note);

    const { summary, outcomes } = await consumeOnce(h, 'lake');

    expect(summary).toEqual({ written: 1, duplicates: 0, refused: 0 });
    const file = join(h.out, `${note.submissionId}.ndjson`);
    expect(outcomes).toEqual([
      expect.objectContaining({ status: 'written', submissionId: note.submissionId, path: file }),
    ]);
    expect(new Uint8Array(await readFile(file))).toEqual(PLAINTEXT);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await outFiles(h)).toEqual([`${note.submissionId}.ndjson`]); // no temp file left behind
    expect(h.queue.depth(queueNames.notify('lake')).total).toBe(0);
    const audit = await auditRecords(h.home);
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'consumer.decrypt',
        outcome: 'success',
        submissionId: note.submissionId,
      }),
    ]);
    expect(JSON.stringify(audit)).not.toContain('Patient');
  });

  it('treats the same notification twice as a duplicate: one file, both notifications deleted', async () => {
    const note = await storeCopy(h, 'lake');
    await notify(h, 'lake', note);
    await notify(h, 'lake', note);

    const { summary, outcomes } = await consumeOnce(h, 'lake');

    expect(summary).toEqual({ written: 1, duplicates: 1, refused: 0 });
    expect(outcomes.map((o) => o.status)).toEqual(['written', 'duplicate']);
    expect(await outFiles(h)).toHaveLength(1);
    expect(h.queue.depth(queueNames.notify('lake')).total).toBe(0);
  });

  it.each([
    ['not JSON', 'notification-invalid', () => 'not json'],
    ['not the SPEC §4 shape', 'notification-invalid', (n: ConsumerNotification) => ({ ...n, extra: 1 })],
    ['for another consumer', 'consumer-mismatch', (n: ConsumerNotification) => ({ ...n, consumer: 'other' })],
    [
      'with a submission id that is a path',
      'notification-invalid',
      (n: ConsumerNotification) => ({
        ...n,
        submissionId: '../../etc/x',
        key: 'consumers/lake/../../etc/x.ndjson',
      }),
    ],
    [
      'pointing outside consumers/<consumer>/',
      'key-outside-consumer',
      (n: ConsumerNotification) => ({ ...n, key: `raw/demo/${n.submissionId}` }),
    ],
    [
      "pointing at another submission's key",
      'key-outside-consumer',
      (n: ConsumerNotification) => ({ ...n, key: `consumers/lake/${randomUUID()}.ndjson` }),
    ],
    ['in another bucket', 'bucket-mismatch', (n: ConsumerNotification) => ({ ...n, bucket: 'elsewhere' })],
    [
      'whose object is missing',
      'object-missing',
      (n: ConsumerNotification) => {
        const id = randomUUID();
        return { ...n, submissionId: id, key: `consumers/lake/${id}.ndjson` };
      },
    ],
    ['with the wrong size', 'size-mismatch', (n: ConsumerNotification) => ({ ...n, bytes: n.bytes + 1 })],
    [
      'with the wrong sha256',
      'sha256-mismatch',
      (n: ConsumerNotification) => ({ ...n, sha256: 'f'.repeat(64) }),
    ],
  ])('refuses a notification %s with %s, writes nothing and keeps it', async (_case, code, mutate) => {
    const note = await storeCopy(h, 'lake');
    await notify(h, 'lake', mutate(note));

    const { summary, outcomes } = await consumeOnce(h, 'lake');

    expect(summary.refused).toBe(1);
    expect(outcomes).toEqual([expect.objectContaining({ status: 'refused', code })]);
    expect(await outFiles(h)).toEqual([]);
    expect(h.queue.depth(queueNames.notify('lake'))).toMatchObject({ inFlight: 1, total: 1 });
    const audit = await auditRecords(h.home);
    expect(audit).toEqual([
      expect.objectContaining({ action: 'consumer.decrypt', outcome: 'failure', code }),
    ]);
  });

  it("cannot decrypt another consumer's copy, even placed under its own key path", async () => {
    const lakes = await storeCopy(h, 'lake');
    const stolenKey = `consumers/lds/${lakes.submissionId}.ndjson`;
    const ciphertext = await h.deps.objects.get(lakes.key);
    await h.deps.objects.put(stolenKey, ciphertext?.body ?? new Uint8Array());
    await notify(h, 'lds', { ...lakes, consumer: 'lds', key: stolenKey });

    const { outcomes } = await consumeOnce(h, 'lds');

    expect(outcomes).toEqual([expect.objectContaining({ status: 'refused', code: 'crypto-failed' })]);
    expect(await outFiles(h)).toEqual([]);
  });

  it("refuses a copy encrypted for another submission's context", async () => {
    const first = await storeCopy(h, 'lake');
    const second = await storeCopy(h, 'lake');
    const swapped = await h.deps.objects.get(first.key);
    await h.deps.objects.put(second.key, swapped?.body ?? new Uint8Array());
    await notify(h, 'lake', second);

    const { outcomes } = await consumeOnce(h, 'lake');

    expect(outcomes).toEqual([
      expect.objectContaining({ status: 'refused', code: 'crypto-context-mismatch' }),
    ]);
  });

  describe('a large copy, streamed from the store to the file', () => {
    /** A copy of several MiB written the way the bulk deliver worker writes it: encryptStream → putStream. */
    async function storeLargeCopy(consumer: string, size: number) {
      const plaintext = Buffer.alloc(size);
      for (let i = 0; i + 4 <= size; i += 4) plaintext.writeUInt32BE((i * 2654435761) >>> 0, i);
      const note = await storeCopy(h, consumer, new Uint8Array());
      async function* chunks() {
        for (let at = 0; at < size; at += 1 << 20) yield plaintext.subarray(at, at + (1 << 20));
      }
      await h.deps.objects.putStream(
        note.key,
        h.deps.envelope.encryptStream(
          consumerKeyName(consumer),
          chunks(),
          consumerEncryptionContext(consumer, note.submissionId),
        ),
      );
      return { note: { ...note, sha256: sha256(plaintext), bytes: size }, plaintext };
    }

    it('writes it whole and exact, and leaves no temp file', async () => {
      const { note, plaintext } = await storeLargeCopy('lake', 12 * 1024 * 1024 + 5);
      await notify(h, 'lake', note);
      const { outcomes } = await consumeOnce(h, 'lake');
      expect(outcomes).toEqual([expect.objectContaining({ status: 'written' })]);
      expect(Buffer.compare(await readFile(join(h.out, `${note.submissionId}.ndjson`)), plaintext)).toBe(0);
      expect(await outFiles(h)).toEqual([`${note.submissionId}.ndjson`]);
    });

    it.each([
      [
        'a digest that differs',
        (n: ConsumerNotification) => ({ ...n, sha256: '0'.repeat(64) }),
        'sha256-mismatch',
      ],
      ['a size one byte short', (n: ConsumerNotification) => ({ ...n, bytes: n.bytes - 1 }), 'size-mismatch'],
      ['a size one byte long', (n: ConsumerNotification) => ({ ...n, bytes: n.bytes + 1 }), 'size-mismatch'],
    ])('refuses %s, writing nothing, and keeps the notification', async (_label, change, code) => {
      const { note } = await storeLargeCopy('lake', 3 * 1024 * 1024);
      await notify(h, 'lake', change(note));
      const { outcomes } = await consumeOnce(h, 'lake');
      expect(outcomes).toEqual([expect.objectContaining({ status: 'refused', code })]);
      expect(await outFiles(h)).toEqual([]);
    });
  });

  it('refuses to replace a different file of the same name', async () => {
    const note = await storeCopy(h, 'lake');
    await directoryOutput(h.out).createDurably(
      `${note.submissionId}.ndjson`,
      new TextEncoder().encode('other\n'),
    );
    await notify(h, 'lake', note);

    const { outcomes } = await consumeOnce(h, 'lake');

    expect(outcomes).toEqual([expect.objectContaining({ status: 'refused', code: 'file-conflict' })]);
    expect(await readFile(join(h.out, `${note.submissionId}.ndjson`), 'utf8')).toBe('other\n');
  });

  it('keeps the notification when the file cannot be written', async () => {
    const note = await storeCopy(h, 'lake');
    await notify(h, 'lake', note);
    const failing: PlaintextOutput = {
      existing: async () => undefined,
      createDurably: async () => {
        throw new Error('disk full');
      },
      createStreamed: async (_name, chunks) => {
        for await (const _chunk of chunks);
        throw new Error('disk full');
      },
    };

    const { outcomes } = await consumeOnce(h, 'lake', failing);

    expect(outcomes).toEqual([expect.objectContaining({ status: 'refused', code: 'write-failed' })]);
    h.clock.advance(31);
    const retry = await consumeOnce(h, 'lake');
    expect(retry.outcomes).toEqual([
      expect.objectContaining({ status: 'written', submissionId: note.submissionId }),
    ]);
  });

  it('a refused notification reaches notify-<consumer>-dlq after maxReceiveCount receives', async () => {
    h.queue.close();
    await rm(h.home, { recursive: true, force: true });
    h = await harness(2);
    const note = await storeCopy(h, 'lake');
    await notify(h, 'lake', { ...note, consumer: 'other' });

    expect((await consumeOnce(h, 'lake')).summary.refused).toBe(1);
    h.clock.advance(31);
    expect((await consumeOnce(h, 'lake')).summary.refused).toBe(1);
    h.clock.advance(31);
    expect((await consumeOnce(h, 'lake')).summary).toEqual({ written: 0, duplicates: 0, refused: 0 });

    const dead = await new SqliteDeadLetters(h.queue).list(queueNames.notify('lake'));
    expect(dead.map((d) => d.queue)).toEqual(['notify-lake-dlq']);
  });

  it('stops a long poll when its signal aborts', async () => {
    const controller = new AbortController();
    const note = await storeCopy(h, 'lake');
    await notify(h, 'lake', note);
    const outcomes: ConsumeOutcome[] = [];
    const summary = await consumeNotifications(h.deps, {
      consumer: 'lake',
      output: directoryOutput(h.out),
      once: false,
      waitTimeSeconds: 0,
      signal: controller.signal,
      onOutcome: (o) => {
        outcomes.push(o);
        controller.abort();
      },
    });
    expect(summary.written).toBe(1);
    expect(outcomes).toHaveLength(1);
  });
});

describe('Function: directoryOutput', () => {
  it('refuses names that are not plain file names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phi-out-'));
    try {
      const output = directoryOutput(dir);
      await expect(output.createDurably('../escape', new Uint8Array([1]))).rejects.toThrow();
      await expect(output.createDurably('.hidden', new Uint8Array([1]))).rejects.toThrow();
      await writeFile(join(dir, 'a.json'), 'x');
      expect(await output.existing('a.json')).toEqual({
        sha256: sha256(new TextEncoder().encode('x')),
        path: join(dir, 'a.json'),
      });
      expect(await output.createDurably('a.json', new Uint8Array([1]))).toEqual({
        created: false,
        path: join(dir, 'a.json'),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
