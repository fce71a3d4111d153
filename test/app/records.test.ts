import { randomUUID } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import {
  consumerStatusRecord,
  listConsumerStatuses,
  writeConsumerStatus,
} from '../../shared/app/consumer-status.js';
import {
  type DeliveryMarker,
  deliveryMarkerRecord,
  releaseDelivery,
} from '../../shared/app/delivery-marker.js';
import {
  FailureRecordSchema,
  failureLocation,
  failureRecord,
  readFailure,
  recordFailure,
} from '../../shared/app/failures.js';
import { jsonRecord } from '../../shared/app/json-records.js';
import { createSecretCache, loadOrCreateSecret, openSealed, sealOnce } from '../../shared/app/secrets.js';
import { parseConsumerCopyKey, storageKeys } from '../../shared/app/storage-keys.js';
import type { SubmissionRecord } from '../../shared/app/submission.js';
import { idempotencyClaims, submissionRecords } from '../../shared/app/submission-records.js';
import { PipelineError } from '../../shared/core/errors.js';
import type { Envelope } from '../../shared/crypto/envelope.js';
import type { ObjectStore, PutOptions, StoredObject } from '../../shared/ports/index.js';

/** An object store in a Map, counting calls, with create-if-absent as the port defines it. */
class MapStore implements ObjectStore {
  readonly bucket = 'test-bucket';
  readonly objects = new Map<string, StoredObject>();
  gets = 0;
  puts: { key: string; options: PutOptions | undefined }[] = [];
  async put(key: string, body: Uint8Array, options?: PutOptions): Promise<{ created: boolean }> {
    this.puts.push({ key, options });
    if (options?.ifAbsent && this.objects.has(key)) return { created: false };
    this.objects.set(key, { body: new Uint8Array(body), contentType: options?.contentType });
    return { created: true };
  }
  async get(key: string): Promise<StoredObject | undefined> {
    this.gets += 1;
    return this.objects.get(key);
  }
  async putStream(key: string, body: AsyncIterable<Uint8Array>, options?: PutOptions) {
    const whole = await buffer(body);
    return { ...(await this.put(key, whole, options)), bytes: whole.byteLength };
  }
  async getStream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const object = await this.get(key);
    if (object === undefined) return undefined;
    const { body } = object;
    return (async function* () {
      yield body;
    })();
  }
  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
}

/** Not encryption: a reversible wrapping that checks key name and context as the real envelope does. */
const fakeEnvelope: Envelope = {
  async encrypt(keyName, plaintext, context) {
    const header = new TextEncoder().encode(`${JSON.stringify({ keyName, context })}\n`);
    return new Uint8Array([...header, ...plaintext]);
  },
  async decrypt(keyName, ciphertext, expected) {
    const cut = ciphertext.indexOf(0x0a);
    const header = JSON.parse(new TextDecoder().decode(ciphertext.subarray(0, cut)));
    if (header.keyName !== keyName || JSON.stringify(header.context) !== JSON.stringify(expected)) {
      throw new PipelineError('crypto-context-mismatch', 'wrong context');
    }
    return ciphertext.slice(cut + 1);
  },
  async *encryptStream(keyName, plaintext, context) {
    yield await fakeEnvelope.encrypt(keyName, await buffer(plaintext), context);
  },
  async *decryptStream(keyName, ciphertext, expected) {
    yield await fakeEnvelope.decrypt(keyName, await buffer(ciphertext), expected);
  },
};

const codeOf = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error instanceof PipelineError
      ? { code: error.code, retryable: error.retryable, record: error.details?.record }
      : error;
  }
  return 'no error';
};

const submission = (id = randomUUID()): SubmissionRecord => ({
  id,
  partner: 'demo',
  kind: 'bundle',
  status: 'accepted',
  receivedAt: '2026-01-02T03:04:05.000Z',
  contentDigest: 'sha-256=:abc=:',
  bytes: 12,
  resourceCounts: { Patient: 1 },
  requestId: 'req-1',
});

describe('Function: jsonRecord', () => {
  it.each([
    ['submission', submissionRecords.codec, submission()],
    [
      'idempotency',
      idempotencyClaims.codec,
      { submissionId: randomUUID(), contentDigest: 'd', receivedAt: 't', state: 'pending' },
    ],
    ['consumer-status', consumerStatusRecord, { id: 'analytics', status: 'delivered', at: 't', reason: 'x' }],
    [
      'delivery-marker',
      deliveryMarkerRecord,
      { state: 'pending', owner: 'm-1', leaseUntil: 5, fhir: { entries: 2, createdAt: 't' } },
    ],
    [
      'failure',
      failureRecord,
      {
        queue: 'ingest',
        messageId: 'm',
        firstReason: 'a',
        lastReason: 'b',
        attempts: 2,
        firstAt: 't',
        lastAt: 'u',
      },
    ],
  ] as const)('round-trips a %s record byte for byte', (name, record, value) => {
    const codecOf = record as unknown as {
      name: string;
      encode(v: unknown): Uint8Array;
      decode(b: Uint8Array): unknown;
    };
    expect(codecOf.name).toBe(name);
    const bytes = codecOf.encode(value);
    expect(new TextDecoder().decode(bytes)).toBe(JSON.stringify(value));
    expect(codecOf.decode(bytes)).toEqual(value);
  });

  it('refuses bytes that are not JSON with a retryable internal error naming the record type only', () => {
    const bytes = new TextEncoder().encode('{"id": "PATIENT-NAME');
    expect(codeOf(() => submissionRecords.codec.decode(bytes))).toEqual({
      code: 'internal',
      retryable: true,
      record: 'submission',
    });
    try {
      submissionRecords.codec.decode(bytes);
    } catch (error) {
      expect((error as Error).message).not.toContain('PATIENT');
    }
  });

  it('refuses a record of the wrong shape with store-unavailable, not retryable', () => {
    const wrong = new TextEncoder().encode(JSON.stringify({ ...submission(), status: 'lost' }));
    expect(codeOf(() => submissionRecords.codec.decode(wrong))).toEqual({
      code: 'store-unavailable',
      retryable: false,
      record: 'submission',
    });
    expect(codeOf(() => deliveryMarkerRecord.decode(new TextEncoder().encode('[]')))).toEqual({
      code: 'store-unavailable',
      retryable: false,
      record: 'delivery-marker',
    });
  });

  it('makes a codec for any schema, named in its errors', () => {
    const codec = jsonRecord('sample', FailureRecordSchema);
    expect(codec.name).toBe('sample');
    expect(codeOf(() => codec.decode(new TextEncoder().encode('{}')))).toMatchObject({ record: 'sample' });
  });

  it('refuses to encode a malformed record, and writes nothing', async () => {
    const store = new MapStore();
    const bad = { state: 'done' } as unknown as DeliveryMarker;
    expect(codeOf(() => deliveryMarkerRecord.encode(bad))).toEqual({
      code: 'internal',
      retryable: false,
      record: 'delivery-marker',
    });
    await expect(deliveryMarkerRecord.write(store, 'k', bad)).rejects.toMatchObject({ code: 'internal' });
    expect(store.puts).toEqual([]);
  });

  it('reads undefined for an absent record, and require refuses it as a retryable store-unavailable', async () => {
    const store = new MapStore();
    expect(await submissionRecords.read(store, 'demo', randomUUID())).toBeUndefined();
    await expect(submissionRecords.require(store, 'demo', randomUUID())).rejects.toMatchObject({
      code: 'store-unavailable',
      retryable: true,
    });
  });

  it('writes JSON records as application/json, create-if-absent only when asked', async () => {
    const store = new MapStore();
    const record = submission();
    expect(await submissionRecords.create(store, 'demo', record.id, record)).toEqual({ created: true });
    expect(await submissionRecords.create(store, 'demo', record.id, { ...record, status: 'failed' })).toEqual(
      {
        created: false,
      },
    );
    expect((await submissionRecords.require(store, 'demo', record.id)).status).toBe('accepted');
    await submissionRecords.replace(store, 'demo', record.id, { ...record, status: 'delivered' });
    expect((await submissionRecords.require(store, 'demo', record.id)).status).toBe('delivered');
    expect(store.puts.map((p) => p.options)).toEqual([
      { ifAbsent: true, contentType: 'application/json' },
      { ifAbsent: true, contentType: 'application/json' },
      { contentType: 'application/json' },
    ]);
    expect(store.puts.every((p) => p.key === `submissions/demo/${record.id}.json`)).toBe(true);
  });
});

describe('Record modules', () => {
  it('claims an idempotency key once and completes it', async () => {
    const store = new MapStore();
    const claim = {
      submissionId: randomUUID(),
      contentDigest: 'd',
      receivedAt: 't',
      state: 'pending',
    } as const;
    expect((await idempotencyClaims.claim(store, 'demo', 'key-1', claim)).created).toBe(true);
    expect(
      (await idempotencyClaims.claim(store, 'demo', 'key-1', { ...claim, contentDigest: 'e' })).created,
    ).toBe(false);
    await idempotencyClaims.complete(store, 'demo', 'key-1', claim);
    expect(await idempotencyClaims.require(store, 'demo', 'key-1')).toEqual({ ...claim, state: 'complete' });
    expect(store.puts[0]?.key).toBe(storageKeys.idempotency('demo', 'key-1'));
    expect(store.puts[0]?.key).not.toContain('key-1');
  });

  it('keeps one status per consumer and lists them in key order', async () => {
    const store = new MapStore();
    const id = randomUUID();
    await writeConsumerStatus(store, 'demo', id, { id: 'research', status: 'processing', at: 't1' });
    await writeConsumerStatus(store, 'demo', id, { id: 'analytics', status: 'processing', at: 't1' });
    await writeConsumerStatus(
      store,
      'demo',
      id,
      { id: 'analytics', status: 'delivered', at: 't2' },
      { ifAbsent: true },
    );
    await writeConsumerStatus(store, 'demo', id, { id: 'research', status: 'delivered', at: 't3' });
    expect(await listConsumerStatuses(store, 'demo', id)).toEqual([
      { id: 'analytics', status: 'processing', at: 't1' },
      { id: 'research', status: 'delivered', at: 't3' },
    ]);
    expect(store.puts.map((p) => p.key)).toContain(`submissions/demo/${id}/consumers/research.json`);
  });

  it('releases a delivery claim by ending its lease and keeping the rest', async () => {
    const store = new MapStore();
    const key = storageKeys.deliveryMarker('analytics', 'sub-1');
    const claim: DeliveryMarker = {
      state: 'pending',
      owner: 'm-1',
      leaseUntil: 99,
      fhir: { entries: 1, createdAt: 't' },
    };
    await releaseDelivery({ objects: store }, key, claim);
    expect(await deliveryMarkerRecord.read(store, key)).toEqual({ ...claim, leaseUntil: 0 });
    expect(key).toBe('deliveries/analytics/sub-1.json');
  });

  it('counts failures of one message in one record', async () => {
    const store = new MapStore();
    await recordFailure(store, 'ingest', 'm-1', 'crypto-failed', 't1');
    await recordFailure(store, 'ingest', 'm-1', 'store-unavailable', 't2');
    expect(await readFailure(store, 'ingest', 'm-1')).toEqual({
      queue: 'ingest',
      messageId: 'm-1',
      firstReason: 'crypto-failed',
      lastReason: 'store-unavailable',
      attempts: 2,
      firstAt: 't1',
      lastAt: 't2',
    });
  });

  it('keeps the location an error named (residual-phi), and only a path and a code', async () => {
    const store = new MapStore();
    const where = failureLocation({ path: 'Observation[3].note[0].text', kind: 'name', value: 'x' });
    expect(where).toEqual({ path: 'Observation[3].note[0].text', kind: 'name' });
    await recordFailure(store, 'deliver-analytics', 'm-1', 'residual-phi', 't1', where);
    await recordFailure(store, 'deliver-analytics', 'm-1', 'residual-phi', 't2');
    expect((await readFailure(store, 'deliver-analytics', 'm-1'))?.where).toEqual(where);
    for (const details of [
      undefined,
      { path: 'Patient.name "Jonathan Doe"', kind: 'name' },
      { path: 'Patient.name', kind: 'Name With Spaces' },
      { path: 'Patient.name' },
    ]) {
      expect(failureLocation(details), JSON.stringify(details)).toBeUndefined();
    }
  });

  it('takes consumer copy keys apart and refuses anything else', () => {
    const id = randomUUID();
    expect(parseConsumerCopyKey(storageKeys.consumerCopy('analytics', id, 'ndjson'))).toEqual({
      consumer: 'analytics',
      submissionId: id,
      ext: 'ndjson',
    });
    for (const key of [
      `raw/demo/${id}`,
      `consumers/analytics/${id}`,
      `consumers/a/b/${id}.json`,
      `consumers/a/${id}.JSON`,
    ]) {
      expect(parseConsumerCopyKey(key), key).toBeUndefined();
    }
  });
});

describe('Secrets', () => {
  const sealed = { key: 'secrets/s', keyName: 'consumer:analytics', context: { purpose: 'p', secret: 's' } };

  it('seals once: a second writer gets the first one back', async () => {
    const deps = { objects: new MapStore(), envelope: fakeEnvelope };
    const first = await sealOnce(deps, sealed, new Uint8Array([1, 2, 3]));
    const second = await sealOnce(deps, sealed, new Uint8Array([9]));
    expect(first).toEqual({ plaintext: new Uint8Array([1, 2, 3]), created: true });
    expect(second).toEqual({ plaintext: new Uint8Array([1, 2, 3]), created: false });
    expect(await openSealed(deps, sealed)).toEqual(new Uint8Array([1, 2, 3]));
    await expect(openSealed(deps, { ...sealed, context: { purpose: 'other' } })).rejects.toMatchObject({
      code: 'crypto-context-mismatch',
    });
  });

  it('caches a secret on the dependencies it was loaded with, not across them', async () => {
    const objects = new MapStore();
    const deps = { objects, envelope: fakeEnvelope, secrets: createSecretCache() };
    const a = await loadOrCreateSecret(deps, 'consumer:analytics', 'deid-analytics');
    const b = await loadOrCreateSecret(deps, 'consumer:analytics', 'deid-analytics');
    expect(a.byteLength).toBe(32);
    expect(b).toBe(a);
    expect(objects.puts.map((p) => p.key)).toEqual(['secrets/deid-analytics']);
    const getsBefore = objects.gets;
    // Another composition root over the same store loads it again, and finds the same secret.
    const other = await loadOrCreateSecret(
      { ...deps, secrets: createSecretCache() },
      'consumer:analytics',
      'deid-analytics',
    );
    expect(objects.gets).toBe(getsBefore + 1);
    expect(other).toEqual(new Uint8Array(a));
    expect(objects.puts).toHaveLength(1);
  });

  it('does not cache a failed load', async () => {
    const objects = new MapStore();
    let fail = true;
    const flaky: Envelope = {
      ...fakeEnvelope,
      encrypt: (...args) => (fail ? Promise.reject(new Error('down')) : fakeEnvelope.encrypt(...args)),
    };
    const deps = { objects, envelope: flaky, secrets: createSecretCache() };
    await expect(loadOrCreateSecret(deps, 'consumer:x', 'deid-x')).rejects.toThrow('down');
    fail = false;
    expect((await loadOrCreateSecret(deps, 'consumer:x', 'deid-x')).byteLength).toBe(32);
  });
});
