import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import type { KMS } from '@aws-sdk/client-kms';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createSqsClient } from '../../shared/adapters/aws/clients.js';
import { KmsKeyProvider } from '../../shared/adapters/aws/kms-key-provider.js';
import { KmsTokenSigner } from '../../shared/adapters/aws/kms-token-signer.js';
import { S3AuditSink } from '../../shared/adapters/aws/s3-audit-sink.js';
import { S3ObjectStore } from '../../shared/adapters/aws/s3-object-store.js';
import { KMS_CONTEXT_KEY_NAME } from '../../shared/adapters/aws/shared-data-key-cmm.js';
import { SqsDeadLetters } from '../../shared/adapters/aws/sqs-dead-letters.js';
import { SqsQueue } from '../../shared/adapters/aws/sqs-queue.js';
import { PipelineError } from '../../shared/core/errors.js';
import { createEnvelope } from '../../shared/crypto/envelope.js';
import { encryptionMaterials } from '../../shared/crypto/key-materials.js';
import { auditEvent } from '../contract/audit-sink.contract.js';
import {
  createDataKey,
  createSigningKey,
  type Moto,
  type MotoClients,
  motoClients,
  motoSettings,
  provisioningResolver,
  setUpMoto,
  uniqueName,
} from '../helpers/moto.js';

/** Synthetic PHI that must never appear outside ciphertext. */
const CANARY = 'PATIENT-CANARY Jane Roe 1970-01-01 SSN 000-12-3456';
const CONTEXT = { purpose: 'raw', submissionId: 'sub-fault-1', partner: 'demo' };
/** Every client in this file: one retry, so attempts per call are exactly 2. */
const MAX_ATTEMPTS = 2;

let moto: Moto | undefined;
let clients: MotoClients;
let bucket: string;
let dataKey: string;

setUpMoto(
  async (aws) => {
    ({ moto, clients, bucket } = aws);
    dataKey = await createDataKey(clients.kms);
  },
  { maxAttempts: MAX_ATTEMPTS },
);

type AnyClient = S3Client | KMS | ReturnType<typeof createSqsClient>;

interface Injection {
  /** Requests that reached the injection point: one per SDK attempt. */
  attempts(): number;
  remove(): void;
}

interface Fault {
  /** Where it sits: a thrown error in finalizeRequest; a fake HTTP response below the deserializer. */
  readonly step: 'finalizeRequest' | 'deserialize';
  readonly fault: () => unknown;
}

/**
 * Client middleware inside the SDK's retry loop, so every attempt meets it: `times` faults, then
 * requests pass.
 */
function inject(client: AnyClient, { step, fault }: Fault, times = Number.POSITIVE_INFINITY): Injection {
  let attempts = 0;
  const name = uniqueName('fault');
  const stack = client.middlewareStack as {
    add(middleware: unknown, options: { step: Fault['step']; name: string; priority: 'low' }): void;
    remove(name: string): boolean;
  };
  stack.add(
    (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      attempts += 1;
      if (attempts <= times) return { response: fault() };
      return next(args);
    },
    // Low priority in the deserialize step: inner to the SDK's deserializer, which parses our response.
    { step, name, priority: 'low' },
  );
  return { attempts: () => attempts, remove: () => void stack.remove(name) };
}

/** An error thrown before the request leaves, shaped like the SDK's own service errors. */
const throwing = (name: string, status: number): Fault => ({
  step: 'finalizeRequest',
  fault: () => {
    throw Object.assign(new Error('injected fault'), {
      name,
      $fault: 'server',
      $metadata: { httpStatusCode: status },
    });
  },
});

/** An S3 error response, as S3 would send it. */
const s3Status = (status: number, code: string): Fault => ({
  step: 'deserialize',
  fault: () => ({
    statusCode: status,
    reason: code,
    headers: { 'content-type': 'application/xml' },
    body: new TextEncoder().encode(
      `<?xml version="1.0"?><Error><Code>${code}</Code><Message>injected</Message></Error>`,
    ),
  }),
});

/** The deepest PipelineError marked retryable in the cause chain: the adapter's own report. */
function retryableInChain(error: unknown): PipelineError | undefined {
  let found: PipelineError | undefined;
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof PipelineError && current.retryable) found = current;
  }
  return found;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const leaks = (error: unknown): boolean => {
  const seen: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) {
    seen.push(current.message);
    if (current instanceof PipelineError) seen.push(JSON.stringify(current.details ?? {}));
  }
  return seen.some((text) => text.includes('Jane Roe'));
};

describe('Refusals the stores and KMS make on their own', () => {
  it('refuses a wrong encryption context through createEnvelope, and KMS refuses a wrong KMS context', async () => {
    const keys = new KmsKeyProvider(clients.kms, { data: dataKey });
    const envelope = createEnvelope(keys);
    const ciphertext = await envelope.encrypt('data', Buffer.from(CANARY), CONTEXT);
    await expect(
      envelope.decrypt('data', ciphertext, { ...CONTEXT, submissionId: 'sub-other' }),
    ).rejects.toMatchObject({
      code: 'crypto-context-mismatch',
    });
    await expect(envelope.decrypt('data', ciphertext, { ...CONTEXT, partner: 'acme' })).rejects.toMatchObject(
      {
        code: 'crypto-context-mismatch',
      },
    );
    // The wrapped data key in the message is bound by KMS itself to the key name, purpose and partner.
    const { messageHeader } = await buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT).decrypt(
      encryptionMaterials(await keys.materials('data')),
      ciphertext,
    );
    const [edk] = messageHeader.encryptedDataKeys;
    const kmsContext = { [KMS_CONTEXT_KEY_NAME]: 'data', purpose: 'raw', partner: 'demo' };
    await expect(
      clients.kms.decrypt({ CiphertextBlob: edk?.encryptedDataKey, EncryptionContext: kmsContext }),
    ).resolves.toMatchObject({ KeyId: dataKey });
    await expect(
      clients.kms.decrypt({
        CiphertextBlob: edk?.encryptedDataKey,
        EncryptionContext: { ...kmsContext, partner: 'acme' },
      }),
    ).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });

  it('lets exactly one of two concurrent create-if-absent puts win on S3', async () => {
    const store = new S3ObjectStore(clients.s3, { bucket });
    const key = `${uniqueName('race')}/object`;
    const results = await Promise.all([
      store.put(key, Buffer.from('one'), { ifAbsent: true }),
      store.put(key, Buffer.from('two'), { ifAbsent: true }),
    ]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(['one', 'two']).toContain(Buffer.from((await store.get(key))?.body ?? []).toString());
  });

  it('retries a 409 ConditionalRequestConflict, then gives up with a retryable store-unavailable', async () => {
    const s3 = motoClients(moto?.endpoint ?? '', { maxAttempts: MAX_ATTEMPTS }).s3;
    const store = new S3ObjectStore(s3, { bucket, conflictAttempts: 3 });
    const once = inject(s3, s3Status(409, 'ConditionalRequestConflict'), 1);
    await expect(store.put(uniqueName('conflict'), Buffer.from('x'), { ifAbsent: true })).resolves.toEqual({
      created: true,
    });
    expect(once.attempts()).toBe(2);
    once.remove();
    const always = inject(s3, s3Status(409, 'ConditionalRequestConflict'));
    const error = await rejection(store.put(uniqueName('conflict'), Buffer.from('x'), { ifAbsent: true }));
    expect(error).toMatchObject({ code: 'store-unavailable', retryable: true, details: { httpStatus: 409 } });
    // 409 is not retried by the SDK: the adapter's own three tries are all there are.
    expect(always.attempts()).toBe(3);
    always.remove();
  });

  it('moves a message to the DLQ after maxReceiveCount and replays it once under concurrent replays', async () => {
    const queue = new SqsQueue(clients.sqs, {
      queuePrefix: `${uniqueName('dlq')}-`,
      resolveQueueUrl: provisioningResolver(clients.sqs, { maxReceiveCount: 2, visibilityTimeoutSeconds: 1 }),
    });
    const { messageId } = await queue.send('deliver-analytics', '{"submissionId":"sub-1"}', {
      attributes: { failureReason: 'store-unavailable' },
    });
    for (let i = 1; i <= 2; i++) {
      expect((await queue.receive('deliver-analytics'))[0]?.receiveCount).toBe(i);
      await sleep(1100);
    }
    await expect(queue.receive('deliver-analytics')).resolves.toEqual([]);
    const [dead, ...others] = await new SqsDeadLetters(queue).list();
    expect(others).toEqual([]);
    expect(dead).toMatchObject({
      messageId,
      queue: 'deliver-analytics-dlq',
      sourceQueue: 'deliver-analytics',
      receiveCount: 2,
      attributes: { failureReason: 'store-unavailable' },
    });
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => new SqsDeadLetters(queue).replay('deliver-analytics-dlq', messageId)),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const [back, ...rest] = await queue.receive('deliver-analytics', { maxMessages: 10 });
    expect(rest).toEqual([]);
    expect(back).toMatchObject({
      messageId,
      receiveCount: 1,
      body: '{"submissionId":"sub-1"}',
      attributes: { failureReason: 'store-unavailable' },
    });
    expect(back?.attributes).not.toHaveProperty('phi.messageId');
    await expect(new SqsDeadLetters(queue).list('deliver-analytics')).resolves.toEqual([]);
  });
});

describe('Faults moto cannot produce, injected with client middleware', () => {
  it('surfaces KMS throttling on encrypt and decrypt as retryable, after exactly maxAttempts tries', async () => {
    const kms = motoClients(moto?.endpoint ?? '', { maxAttempts: MAX_ATTEMPTS }).kms;
    const ciphertext = await createEnvelope(new KmsKeyProvider(kms, { data: dataKey })).encrypt(
      'data',
      Buffer.from(CANARY),
      CONTEXT,
    );
    const signingKey = await createSigningKey(clients.kms);
    const throttle = inject(kms, throwing('ThrottlingException', 400));
    try {
      // Fresh providers: nothing cached, so each operation needs KMS.
      const encryptError = await rejection(
        createEnvelope(new KmsKeyProvider(kms, { data: dataKey })).encrypt(
          'data',
          Buffer.from(CANARY),
          CONTEXT,
        ),
      );
      // The envelope itself reports the failure as retryable, so workers retry instead of dead-lettering.
      expect(encryptError).toMatchObject({ code: 'crypto-failed', retryable: true });
      expect(retryableInChain(encryptError)).toMatchObject({
        code: 'crypto-failed',
        details: { keyName: 'data', awsError: 'ThrottlingException' },
      });
      expect(throttle.attempts()).toBe(MAX_ATTEMPTS);

      const decryptError = await rejection(
        createEnvelope(new KmsKeyProvider(kms, { data: dataKey })).decrypt('data', ciphertext, CONTEXT),
      );
      expect(decryptError).toMatchObject({ code: 'crypto-failed', retryable: true });
      expect(retryableInChain(decryptError)).toMatchObject({
        code: 'crypto-failed',
        details: { awsError: 'ThrottlingException' },
      });
      expect(throttle.attempts()).toBe(2 * MAX_ATTEMPTS);
      expect(leaks(encryptError) || leaks(decryptError)).toBe(false);

      const signer = new KmsTokenSigner(kms, signingKey);
      await expect(signer.sign(Buffer.from('header.payload'))).rejects.toMatchObject({
        code: 'crypto-failed',
        retryable: true,
      });
    } finally {
      throttle.remove();
    }
  });

  it('treats a refused key (not an outage) as permanent', async () => {
    const kms = motoClients(moto?.endpoint ?? '', { maxAttempts: MAX_ATTEMPTS }).kms;
    const denied = inject(kms, throwing('AccessDeniedException', 400));
    try {
      const error = await rejection(
        createEnvelope(new KmsKeyProvider(kms, { data: dataKey })).encrypt('data', Buffer.from('x'), CONTEXT),
      );
      expect(error).toMatchObject({ code: 'crypto-failed', retryable: false });
      expect(retryableInChain(error)).toBeUndefined();
      expect(denied.attempts()).toBe(1);
    } finally {
      denied.remove();
    }
  });

  it('surfaces S3 503s on every operation as retryable store-unavailable, without content in the error', async () => {
    const s3 = motoClients(moto?.endpoint ?? '', { maxAttempts: MAX_ATTEMPTS }).s3;
    const store = new S3ObjectStore(s3, { bucket });
    const unavailable = inject(s3, s3Status(503, 'SlowDown'));
    try {
      const operations: Array<[string, () => Promise<unknown>]> = [
        ['put', () => store.put('raw/demo/sub-503', Buffer.from(CANARY))],
        ['get', () => store.get('raw/demo/sub-503')],
        ['exists', () => store.exists('raw/demo/sub-503')],
        ['list', () => store.list('raw/')],
        ['delete', () => store.delete('raw/demo/sub-503')],
      ];
      for (const [label, operation] of operations) {
        const before = unavailable.attempts();
        const error = await rejection(operation());
        expect(error, label).toMatchObject({
          code: 'store-unavailable',
          retryable: true,
          details: { httpStatus: 503 },
        });
        expect(leaks(error), label).toBe(false);
        expect(unavailable.attempts() - before, label).toBe(MAX_ATTEMPTS);
      }
    } finally {
      unavailable.remove();
    }
    expect(await store.exists('raw/demo/sub-503')).toBe(false);
  });

  it('keeps the audit chain whole when a write fails half way', async () => {
    const s3 = motoClients(moto?.endpoint ?? '', { maxAttempts: MAX_ATTEMPTS }).s3;
    const store = new S3ObjectStore(s3, { bucket, prefix: `${uniqueName('audit')}/` });
    const sink = new S3AuditSink(store);
    await sink.append(auditEvent());
    const outage = inject(s3, s3Status(503, 'ServiceUnavailable'));
    await expect(sink.append(auditEvent())).rejects.toMatchObject({
      code: 'store-unavailable',
      retryable: true,
    });
    outage.remove();
    await expect(sink.append(auditEvent())).resolves.toMatchObject({ seq: 2 });
  });

  it('times out an SQS call that never answers, retries a bounded number of times, and reports it retryable', async () => {
    const { server, connections } = await blackHole();
    try {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const endpoint = `http://127.0.0.1:${port}`;
      const sqs = createSqsClient(
        motoSettings(endpoint, { maxAttempts: MAX_ATTEMPTS, requestTimeoutMs: 300 }),
      );
      const queue = new SqsQueue(sqs, { queueUrls: { ingest: `${endpoint}/123456789012/ingest` } });
      const error = await rejection(queue.send('ingest', '{"submissionId":"sub-1"}'));
      expect(error).toMatchObject({
        code: 'queue-unavailable',
        retryable: true,
        details: { awsError: 'TimeoutError' },
      });
      expect(connections()).toBe(MAX_ATTEMPTS);
      sqs.destroy();
    } finally {
      server.close();
    }
  });
});

describe('Nothing in plaintext', () => {
  it('stores only ciphertext (SSE-KMS, SHA-256 checksummed) and PHI-free messages and audit records', async () => {
    const prefix = uniqueName('plain');
    const store = new S3ObjectStore(clients.s3, { bucket, prefix: `${prefix}/` });
    const envelope = createEnvelope(new KmsKeyProvider(clients.kms, { data: dataKey }));
    const ciphertext = await envelope.encrypt('data', Buffer.from(CANARY), CONTEXT);
    await store.put('raw/demo/sub-fault-1', ciphertext, {
      ifAbsent: true,
      contentType: 'application/octet-stream',
    });
    const queue = new SqsQueue(clients.sqs, {
      queuePrefix: `${prefix}-`,
      resolveQueueUrl: provisioningResolver(clients.sqs, {
        maxReceiveCount: 3,
        visibilityTimeoutSeconds: 30,
      }),
    });
    await queue.send('ingest', JSON.stringify({ submissionId: 'sub-fault-1', key: 'raw/demo/sub-fault-1' }));
    await new S3AuditSink(new S3ObjectStore(clients.s3, { bucket, prefix: `${prefix}-audit/` })).append(
      auditEvent(),
    );

    const { Contents = [] } = await clients.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }),
    );
    expect(Contents.length).toBeGreaterThanOrEqual(3);
    for (const { Key } of Contents) {
      const object = await clients.s3.send(
        new GetObjectCommand({ Bucket: bucket, Key, ChecksumMode: 'ENABLED' }),
      );
      const body = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      expect(body.includes(Buffer.from('Jane Roe')), Key).toBe(false);
      expect(object.ServerSideEncryption, Key).toBe('aws:kms');
      expect(object.ChecksumSHA256, Key).toBe(createHash('sha256').update(body).digest('base64'));
    }
    const head = await clients.s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}/raw/demo/sub-fault-1` }),
    );
    expect(head.ContentType).toBe('application/octet-stream');
    const messages = await queue.receive('ingest', { maxMessages: 10 });
    expect(messages).toHaveLength(1);
    expect(messages.some((m) => m.body.includes('Jane Roe'))).toBe(false);
    await expect(envelope.decrypt('data', ciphertext, CONTEXT)).resolves.toEqual(
      new Uint8Array(Buffer.from(CANARY)),
    );
  });
});

/** A TCP server that accepts connections and never answers; counts them. */
async function blackHole(): Promise<{ server: Server; connections(): number }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('close', () => {
    for (const socket of sockets) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = server.close.bind(server);
  server.close = (callback?: (error?: Error) => void) => {
    for (const socket of sockets) socket.destroy();
    return close(callback);
  };
  return { server, connections: () => count };
}
