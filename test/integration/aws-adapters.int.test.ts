import { generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { calculateJwkThumbprint, compactVerify, importJWK } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { derToP1363 } from '../../shared/adapters/aws/ecdsa-signature.js';
import { KmsTokenSigner } from '../../shared/adapters/aws/kms-token-signer.js';
import {
  chainKey,
  HEAD_KEY,
  readS3AuditChain,
  S3AuditSink,
  verifyS3AuditChain,
} from '../../shared/adapters/aws/s3-audit-sink.js';
import { S3ContractStore } from '../../shared/adapters/aws/s3-contract-store.js';
import { S3ObjectStore } from '../../shared/adapters/aws/s3-object-store.js';
import { S3PartnerRegistry } from '../../shared/adapters/aws/s3-partner-registry.js';
import { SqsDeadLetters } from '../../shared/adapters/aws/sqs-dead-letters.js';
import { SqsQueue } from '../../shared/adapters/aws/sqs-queue.js';
import { createAwsDeps } from '../../shared/runtime/aws-deps.js';
import { loadConfig } from '../../shared/runtime/config.js';
import { buildDeps } from '../../shared/runtime/deps.js';
import { auditEvent } from '../contract/audit-sink.contract.js';
import {
  createDataKey,
  createSigningKey,
  type Moto,
  type MotoClients,
  provisioningResolver,
  setUpMoto,
  uniqueName,
} from '../helpers/moto.js';

let moto: Moto | undefined;
let clients: MotoClients;
let bucket: string;

setUpMoto((aws) => {
  ({ moto, clients, bucket } = aws);
});

const freshStore = (name: string): S3ObjectStore =>
  new S3ObjectStore(clients.s3, { bucket, prefix: `${uniqueName(name)}/` });

const jwsSigningInput = (header: object, payload: object): string =>
  `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;

describe('Function: derToP1363', () => {
  it('turns node:crypto DER signatures into P1363 ones that verify, short r and s included', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    let padded = 0;
    // About 1 in 128 signatures has an r or s below 2^248, which needs left padding.
    for (let i = 0; i < 1500; i++) {
      const message = Buffer.from(`message-${i}`);
      const der = nodeSign('sha256', message, { key: privateKey, dsaEncoding: 'der' });
      const raw = derToP1363(der);
      expect(raw.byteLength).toBe(64);
      if (raw[0] === 0 || raw[32] === 0) padded += 1;
      expect(nodeVerify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
    }
    expect(padded).toBeGreaterThan(0);
  });

  it.each([
    ['an empty input', ''],
    ['not a SEQUENCE', '3106020101020101'],
    ['a truncated SEQUENCE', '3006020101020101ff'.slice(0, 10)],
    ['trailing bytes', '300602010102010100'],
    ['a negative INTEGER', '3006020181020101'],
    ['a non-minimal INTEGER', '300702020001020101'],
    ['an INTEGER longer than the curve', `30260221${'01'.repeat(33)}020101`],
    ['a third member', '3009020101020101020101'],
  ])('refuses DER with %s', (_label, hex) => {
    expect(() => derToP1363(Buffer.from(hex, 'hex'))).toThrow();
  });
});

describe('Class: KmsTokenSigner', () => {
  it('signs ES256 JWS through KMS that verify with its published JWK, kid being the RFC 7638 thumbprint', async () => {
    const signer = new KmsTokenSigner(clients.kms, await createSigningKey(clients.kms));
    const jwk = await signer.publicJwk();
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: await signer.kid() });
    expect(jwk).not.toHaveProperty('d');
    const { kty, crv, x, y } = jwk;
    expect(await signer.kid()).toBe(await calculateJwkThumbprint({ kty, crv, x, y }));

    const input = jwsSigningInput(
      { alg: 'ES256', kid: jwk.kid },
      { sub: 'demo', scope: 'system/Bundle.write' },
    );
    const signature = await signer.sign(new TextEncoder().encode(input));
    expect(signature.byteLength).toBe(64);
    const token = `${input}.${Buffer.from(signature).toString('base64url')}`;
    const { payload } = await compactVerify(token, await importJWK(jwk, 'ES256'));
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({
      sub: 'demo',
      scope: 'system/Bundle.write',
    });
  });

  it('produces signatures another KMS key does not verify', async () => {
    const signer = new KmsTokenSigner(clients.kms, await createSigningKey(clients.kms));
    const stranger = new KmsTokenSigner(clients.kms, await createSigningKey(clients.kms));
    const input = jwsSigningInput({ alg: 'ES256' }, { sub: 'demo' });
    const token = `${input}.${Buffer.from(await signer.sign(new TextEncoder().encode(input))).toString('base64url')}`;
    await expect(
      compactVerify(token, await importJWK(await stranger.publicJwk(), 'ES256')),
    ).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
  });

  it('fetches the public key once per instance', async () => {
    const signer = new KmsTokenSigner(clients.kms, await createSigningKey(clients.kms));
    const calls: string[] = [];
    clients.kms.middlewareStack.add(
      (next, context) => (args) => {
        calls.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'countPublicKeyCalls', override: true },
    );
    try {
      await Promise.all([signer.kid(), signer.publicJwk(), signer.kid()]);
      await signer.publicJwk();
      expect(calls.filter((name) => name === 'GetPublicKeyCommand')).toHaveLength(1);
    } finally {
      clients.kms.middlewareStack.remove('countPublicKeyCalls');
    }
  });

  it('sends inputs over 4096 bytes as a SHA-256 DIGEST (KMS RAW limit)', async () => {
    // moto ignores MessageType (it always hashes), so only the request is checked here.
    const signer = new KmsTokenSigner(clients.kms, await createSigningKey(clients.kms));
    const sent: Array<{ MessageType?: unknown; Message?: unknown }> = [];
    clients.kms.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'SignCommand') sent.push(args.input as { MessageType?: unknown });
        return next(args);
      },
      { step: 'initialize', name: 'captureSign', override: true },
    );
    try {
      await signer.sign(new Uint8Array(4096).fill(0x61));
      await signer.sign(new Uint8Array(4097).fill(0x61));
    } finally {
      clients.kms.middlewareStack.remove('captureSign');
    }
    expect(sent.map((input) => input.MessageType)).toEqual(['RAW', 'DIGEST']);
    expect(sent[1]?.Message).toBeInstanceOf(Uint8Array);
    expect(sent[1]?.Message).toHaveLength(32);
  });

  it('refuses a key that is not an ECC_NIST_P256 signing key', async () => {
    const signer = new KmsTokenSigner(clients.kms, await createDataKey(clients.kms));
    await expect(signer.kid()).rejects.toMatchObject({ code: 'config-invalid' });
  });
});

describe('Class: S3PartnerRegistry', () => {
  const partner = {
    id: 'demo',
    scopes: ['system/Bundle.write', 'system/Claim.write'],
    keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1', alg: 'ES256', use: 'sig' }],
    status: 'active' as const,
    createdAt: '2026-08-01T00:00:00.000Z',
  };

  it('stores, reads and lists partners as JSON objects under partners/', async () => {
    const store = freshStore('registry');
    const registry = new S3PartnerRegistry(store);
    await registry.put(partner);
    await registry.put({ ...partner, id: 'acme', status: 'disabled' });
    expect(await registry.get('demo')).toEqual(partner);
    expect((await registry.list()).map((p) => p.id)).toEqual(['acme', 'demo']);
    expect(await store.list('')).toEqual(['partners/acme.json', 'partners/demo.json']);
    expect(JSON.parse(Buffer.from((await store.get('partners/demo.json'))?.body ?? []).toString())).toEqual(
      partner,
    );
  });

  it('answers undefined for unknown or invalid ids and refuses to store them', async () => {
    const registry = new S3PartnerRegistry(freshStore('registry'));
    expect(await registry.get('nobody')).toBeUndefined();
    expect(await registry.get('../keys/data')).toBeUndefined();
    await expect(registry.put({ ...partner, id: '../evil' })).rejects.toMatchObject({
      code: 'config-invalid',
    });
  });

  it('refuses a private key in a partner record', async () => {
    const registry = new S3PartnerRegistry(freshStore('registry'));
    await expect(
      registry.put({ ...partner, keys: [{ ...partner.keys[0], d: 'secret' }] }),
    ).rejects.toMatchObject({
      code: 'config-invalid',
    });
  });

  it('reports a record an operator broke as config-invalid, naming fields not values', async () => {
    const store = freshStore('registry');
    const registry = new S3PartnerRegistry(store);
    await store.put('partners/demo.json', Buffer.from('{"id":"demo","scopes":"all"}'));
    const error = await registry.get('demo').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'config-invalid', details: { partner: 'demo' } });
    expect(JSON.stringify(error)).not.toContain('all"');
    await store.put('partners/demo.json', Buffer.from('not json'));
    await expect(registry.get('demo')).rejects.toMatchObject({ code: 'config-invalid' });
  });
});

describe('Class: S3ContractStore', () => {
  it('stores, lists and reads contracts under contracts/, naming the key on bad JSON', async () => {
    const store = freshStore('registry');
    const contracts = new S3ContractStore(store);
    await contracts.put('research', { profile: 'limited-data-set' });
    await contracts.put('analytics', { profile: 'safe-harbor' });
    expect((await contracts.list()).map((c) => [c.consumer, c.source, c.json])).toEqual([
      ['analytics', 'contracts/analytics.json', { profile: 'safe-harbor' }],
      ['research', 'contracts/research.json', { profile: 'limited-data-set' }],
    ]);
    expect(await contracts.get('nobody')).toBeUndefined();
    expect(await contracts.get('../x')).toBeUndefined();
    await store.put('contracts/billing.json', Buffer.from('{"profile":'));
    await expect(contracts.get('billing')).rejects.toMatchObject({
      code: 'contract-invalid',
      details: { source: 'contracts/billing.json' },
    });
  });
});

describe('Class: S3AuditSink', () => {
  it('keeps one linear chain when several sinks (Lambda containers) append at once', async () => {
    const store = freshStore('audit');
    const sinks = Array.from({ length: 4 }, () => new S3AuditSink(store));
    const records = await Promise.all(
      Array.from({ length: 40 }, (_, i) => sinks[i % 4]?.append(auditEvent({ requestId: `req-${i}` }))),
    );
    expect(records.map((r) => r?.seq).sort((a = 0, b = 0) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    const verification = await verifyS3AuditChain(store);
    expect(verification).toMatchObject({ ok: true, count: 40 });
    expect(new Set(records.map((r) => r?.requestId)).size).toBe(40);
  });

  it('finds the tail past a stale head hint and without any hint', async () => {
    const store = freshStore('audit');
    const first = new S3AuditSink(store);
    for (let i = 0; i < 3; i++) await first.append(auditEvent({ requestId: `a-${i}` }));
    await store.put(HEAD_KEY, Buffer.from('{"seq":1}'));
    await expect(new S3AuditSink(store).append(auditEvent())).resolves.toMatchObject({ seq: 4 });
    await store.delete(HEAD_KEY);
    await expect(new S3AuditSink(store).append(auditEvent())).resolves.toMatchObject({ seq: 5 });
    await store.put(HEAD_KEY, Buffer.from('{"seq":999}'));
    await expect(new S3AuditSink(store).append(auditEvent())).resolves.toMatchObject({ seq: 6 });
    await expect(verifyS3AuditChain(store)).resolves.toMatchObject({ ok: true, count: 6 });
  });

  it('reports the key of a changed record and records missing from the end', async () => {
    const store = freshStore('audit');
    const sink = new S3AuditSink(store);
    for (let i = 0; i < 4; i++) await sink.append(auditEvent({ requestId: `req-${i}` }));
    const third = Buffer.from((await store.get(chainKey(3)))?.body ?? []).toString();
    await store.put(chainKey(3), Buffer.from(third.replace('req-2', 'req-X')));
    await expect(verifyS3AuditChain(store)).resolves.toEqual({
      ok: false,
      count: 2,
      broken: { file: chainKey(3), line: 1, seq: 3, reason: 'hash-mismatch' },
    });
    await store.put(chainKey(3), Buffer.from(third));
    await store.delete(chainKey(4));
    await expect(verifyS3AuditChain(store)).resolves.toMatchObject({
      ok: false,
      count: 3,
      broken: { file: chainKey(4), seq: 4, reason: 'seq-gap' },
    });
    expect((await readS3AuditChain(store)).map((line) => line.file)).toEqual([1, 2, 3].map(chainKey));
  });

  it('verifies an empty log as an empty chain', async () => {
    await expect(verifyS3AuditChain(freshStore('audit'))).resolves.toMatchObject({ ok: true, count: 0 });
  });
});

describe('Class: SqsQueue', () => {
  const provisioned = (sqs: SQSClient): SqsQueue =>
    new SqsQueue(sqs, {
      queuePrefix: `${uniqueName('b')}-`,
      resolveQueueUrl: provisioningResolver(sqs, { maxReceiveCount: 3, visibilityTimeoutSeconds: 30 }),
    });

  it('sends batches of any size, ten per call, ids in entry order', async () => {
    const queue = provisioned(clients.sqs);
    const entries = Array.from({ length: 23 }, (_, i) => ({
      body: `m-${i}`,
      options: { attributes: { n: String(i) } },
    }));
    const { messageIds } = await queue.sendBatch('events', entries);
    expect(messageIds).toHaveLength(23);
    const received = new Map<string, { body: string; n: string | undefined }>();
    for (let batch = await queue.receive('events', { maxMessages: 10 }); batch.length > 0; ) {
      for (const m of batch) received.set(m.messageId, { body: m.body, n: m.attributes.n });
      batch = await queue.receive('events', { maxMessages: 10 });
    }
    expect(messageIds.map((id) => received.get(id))).toEqual(
      entries.map((e, i) => ({ body: e.body, n: String(i) })),
    );
  });

  it('refuses names, bodies and attributes SQS would refuse, before calling it', async () => {
    const queue = provisioned(clients.sqs);
    await expect(queue.send('bad name', 'x')).rejects.toMatchObject({ code: 'config-invalid' });
    await expect(queue.send('q', '')).rejects.toMatchObject({ code: 'content-invalid' });
    await expect(queue.send('q', 'x', { attributes: { empty: '' } })).rejects.toMatchObject({
      code: 'content-invalid',
    });
    await expect(queue.send('q', 'x', { attributes: { 'phi.messageId': 'forged' } })).rejects.toMatchObject({
      code: 'content-invalid',
    });
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`a${i}`, 'v']));
    await expect(queue.send('q', 'x', { attributes: ten })).rejects.toMatchObject({
      code: 'content-invalid',
    });
    await expect(new SqsDeadLetters(queue).replay('q', 'id')).rejects.toMatchObject({
      code: 'config-invalid',
    });
  });

  it('names a queue that does not exist as config-invalid, and has no dead letters for it', async () => {
    const queue = new SqsQueue(clients.sqs, { queuePrefix: `${uniqueName('none')}-` });
    await expect(queue.send('ingest', 'x')).rejects.toMatchObject({
      code: 'config-invalid',
      details: { queue: 'ingest' },
    });
    await expect(new SqsDeadLetters(queue).list('ingest')).resolves.toEqual([]);
    await expect(new SqsDeadLetters(queue).replay('ingest-dlq', 'id')).resolves.toBe(false);
  });
});

describe('Composition: PHI_TARGET=aws', () => {
  const baseEnv = (): Record<string, string> => ({
    PHI_TARGET: 'aws',
    PHI_AWS_REGION: 'us-east-1',
    PHI_PUBLIC_URL: 'https://api.example.org',
  });

  it('names every missing required variable, and leaves the local target untouched', () => {
    expect(() => loadConfig({ PHI_TARGET: 'aws' })).toThrow(
      /PHI_AWS_REGION \(or AWS_REGION\), PHI_DATA_BUCKET, PHI_DATA_KEY_ID, PHI_ISSUER_KEY_ID, PHI_PUBLIC_URL, PHI_SSE_KMS_KEY_ID$/,
    );
    expect(loadConfig({}).aws).toBeUndefined();
    expect(loadConfig({ PHI_DATA_BUCKET: 'ignored-when-local' }).aws).toBeUndefined();
  });

  it('requires the SSE key, and gives the audit store its own key only when PHI_AUDIT_SSE_KMS_KEY_ID is set', () => {
    const complete = {
      ...baseEnv(),
      PHI_DATA_BUCKET: 'phi-data',
      PHI_DATA_KEY_ID: 'arn:aws:kms:us-east-1:111122223333:key/data',
      PHI_ISSUER_KEY_ID: 'alias/issuer',
      PHI_SSE_KMS_KEY_ID: 'arn:aws:kms:us-east-1:111122223333:key/storage',
    };
    const { PHI_SSE_KMS_KEY_ID: _, ...withoutSse } = complete;
    let caught: unknown;
    try {
      loadConfig(withoutSse);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'config-invalid' });
    expect(String((caught as Error).message)).toMatch(/needs: PHI_SSE_KMS_KEY_ID$/);
    expect(loadConfig(complete).aws).toMatchObject({
      sseKmsKeyId: complete.PHI_SSE_KMS_KEY_ID,
      auditSseKmsKeyId: complete.PHI_SSE_KMS_KEY_ID,
    });
    const audit = 'arn:aws:kms:us-east-1:111122223333:key/audit';
    expect(loadConfig({ ...complete, PHI_AUDIT_SSE_KMS_KEY_ID: audit }).aws).toMatchObject({
      sseKmsKeyId: complete.PHI_SSE_KMS_KEY_ID,
      auditSseKmsKeyId: audit,
    });
  });

  it('refuses malformed AWS variables by name, never echoing the value', () => {
    const bad = { ...baseEnv(), PHI_DATA_BUCKET: 'b', PHI_ISSUER_KEY_ID: 'k' };
    const cases: Array<[Record<string, string>, string]> = [
      [{ PHI_DATA_KEY_ID: 'alias/secret-name' }, 'PHI_DATA_KEY_ID'],
      [{ PHI_CONSUMER_KEY_IDS: '{"analytics":' }, 'PHI_CONSUMER_KEY_IDS'],
      [{ PHI_QUEUE_URLS: '{"ingest":"not a url"}' }, 'PHI_QUEUE_URLS'],
      [{ PHI_DATA_BUCKET: 'Not_A_Bucket' }, 'PHI_DATA_BUCKET'],
    ];
    for (const [extra, name] of cases) {
      let message = '';
      try {
        loadConfig({ ...bad, ...extra });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain(name);
      for (const value of Object.values(extra)) expect(message).not.toContain(value);
    }
  });

  it('builds every port on AWS through buildDeps, each working against moto', async () => {
    const endpoint = moto?.endpoint ?? '';
    const prefix = `${uniqueName('deps')}-`;
    for (const name of ['ingest-dlq', 'ingest']) {
      await clients.sqs.send(new CreateQueueCommand({ QueueName: `${prefix}${name}` }));
    }
    const env = {
      ...baseEnv(),
      PHI_AWS_ENDPOINT: endpoint,
      PHI_DATA_BUCKET: bucket,
      PHI_AUDIT_PREFIX: `${uniqueName('audit')}/`,
      PHI_REGISTRY_PREFIX: `${uniqueName('registry')}/`,
      PHI_QUEUE_PREFIX: prefix,
      PHI_DATA_KEY_ID: await createDataKey(clients.kms),
      PHI_CONSUMER_KEY_IDS: JSON.stringify({ '*': await createDataKey(clients.kms) }),
      PHI_ISSUER_KEY_ID: await createSigningKey(clients.kms),
      PHI_SSE_KMS_KEY_ID: await createDataKey(clients.kms),
      PHI_AUDIT_SSE_KMS_KEY_ID: await createDataKey(clients.kms),
    };
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
    try {
      const config = loadConfig(env);
      expect(config.aws).toMatchObject({ region: 'us-east-1', dataBucket: bucket, queuePrefix: prefix });
      const deps = await buildDeps(config);
      expect(deps.objects.bucket).toBe(bucket);
      const context = { purpose: 'raw', submissionId: 'sub-1', partner: 'demo' };
      const ciphertext = await deps.envelope.encrypt(
        'data',
        Buffer.from('{"resourceType":"Bundle"}'),
        context,
      );
      await deps.objects.put('raw/demo/sub-1', ciphertext, { ifAbsent: true });
      const stored = await deps.objects.get('raw/demo/sub-1');
      expect(
        Buffer.from(
          await deps.envelope.decrypt('data', stored?.body ?? new Uint8Array(), context),
        ).toString(),
      ).toBe('{"resourceType":"Bundle"}');
      const shared = await deps.envelope.encrypt('consumer:analytics', Buffer.from('x'), {
        purpose: 'consumer',
        consumer: 'analytics',
      });
      expect(shared.byteLength).toBeGreaterThan(0);
      await deps.queue.send(deps.settings.ingestQueue, '{"submissionId":"sub-1"}');
      expect((await deps.queue.receive(deps.settings.ingestQueue))[0]?.body).toBe('{"submissionId":"sub-1"}');
      expect(await deps.signer.kid()).toMatch(/^[A-Za-z0-9_-]{43}$/);
      await deps.partners.put({
        id: 'demo',
        scopes: [],
        keys: [],
        status: 'active',
        createdAt: '2026-08-01T00:00:00Z',
      });
      expect((await deps.partners.list()).map((p) => p.id)).toEqual(['demo']);
      await expect(deps.contracts.list()).resolves.toEqual([]);
      await expect(deps.audit.append(auditEvent())).resolves.toMatchObject({ seq: 1 });
      // Every put names its key: the data store the storage key, the audit store the audit key.
      const sseKeyOf = async (key: string) =>
        (await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).SSEKMSKeyId;
      expect(await sseKeyOf('raw/demo/sub-1')).toBe(env.PHI_SSE_KMS_KEY_ID);
      expect(await sseKeyOf(`${env.PHI_AUDIT_PREFIX}${chainKey(1)}`)).toBe(env.PHI_AUDIT_SSE_KMS_KEY_ID);
      const direct = createAwsDeps(config, {
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
      expect(direct.objects.bucket).toBe(bucket);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('reads queue attributes of the provisioned pair as the template would set them', async () => {
    const resolve = provisioningResolver(clients.sqs, { maxReceiveCount: 4, visibilityTimeoutSeconds: 7 });
    const url = await resolve(uniqueName('shape'));
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['VisibilityTimeout', 'RedrivePolicy'],
      }),
    );
    expect(Attributes?.VisibilityTimeout).toBe('7');
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ maxReceiveCount: 4 });
  });
});
