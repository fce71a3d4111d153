import { setTimeout as sleep } from 'node:timers/promises';
import {
  getLocalCryptographicMaterialsCache,
  KmsKeyringNode,
  type NodeAlgorithmSuite,
  NodeCachingMaterialsManager,
} from '@aws-crypto/client-node';
import type { KMS } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmsKeyProvider, type KmsKeyProviderOptions } from '../../shared/adapters/aws/kms-key-provider.js';
import { createEnvelope } from '../../shared/crypto/envelope.js';
import { asKeyMaterials } from '../../shared/crypto/key-materials.js';
import type { KeyProvider } from '../../shared/ports/key-provider.js';
import { createDataKey, type Moto, motoClients, startMoto } from '../helpers/moto.js';

/**
 * KMS calls per object through the envelope, counted at the KMS client (each attempt). The numbers
 * printed here are the ones in docs/aws-adapters.md.
 */
const OBJECTS = 200;

let moto: Moto | undefined;
let kms: KMS;
let dataKey: string;
const counts = new Map<string, number>();

beforeAll(async () => {
  moto = await startMoto();
  kms = motoClients(moto.endpoint).kms;
  dataKey = await createDataKey(kms);
  kms.middlewareStack.add(
    (next, context) => (args) => {
      const command = String(context.commandName).replace(/Command$/, '');
      counts.set(command, (counts.get(command) ?? 0) + 1);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'countKmsCalls' },
  );
});

afterAll(async () => {
  await moto?.stop();
});

async function measure(run: () => Promise<void>): Promise<{ generateDataKey: number; decrypt: number }> {
  counts.clear();
  await run();
  return { generateDataKey: counts.get('GenerateDataKey') ?? 0, decrypt: counts.get('Decrypt') ?? 0 };
}

const provider = (options: KmsKeyProviderOptions = {}): KmsKeyProvider =>
  new KmsKeyProvider(kms, { data: dataKey }, options);

const rawContext = (i: number, partner = 'demo') => ({ purpose: 'raw', submissionId: `sub-${i}`, partner });
const body = (i: number): Uint8Array => new TextEncoder().encode(`{"resourceType":"Bundle","id":"b-${i}"}`);

async function encryptAll(keys: KeyProvider, partners = ['demo']): Promise<Uint8Array[]> {
  const envelope = createEnvelope(keys);
  const out: Uint8Array[] = [];
  for (let i = 0; i < OBJECTS; i++) {
    out.push(await envelope.encrypt('data', body(i), rawContext(i, partners[i % partners.length])));
  }
  return out;
}

async function decryptAll(keys: KeyProvider, ciphertexts: Uint8Array[], partners = ['demo']): Promise<void> {
  const envelope = createEnvelope(keys);
  for (const [i, ciphertext] of ciphertexts.entries()) {
    const plaintext = await envelope.decrypt(
      'data',
      ciphertext,
      rawContext(i, partners[i % partners.length]),
    );
    expect(Buffer.from(plaintext).toString()).toBe(Buffer.from(body(i)).toString());
  }
}

const report = (
  label: string,
  calls: { generateDataKey: number; decrypt: number },
  objects = OBJECTS,
): void => {
  console.info(
    `[kms-calls] ${label}: GenerateDataKey ${calls.generateDataKey}, Decrypt ${calls.decrypt} ` +
      `for ${objects} objects (${((calls.generateDataKey + calls.decrypt) / objects).toFixed(3)} per object)`,
  );
};

describe('KMS calls per object with data-key caching', () => {
  it('uses one data key for 200 encrypts and one Decrypt for 200 decrypts (default bounds)', async () => {
    const keys = provider();
    let ciphertexts: Uint8Array[] = [];
    const encrypts = await measure(async () => {
      ciphertexts = await encryptAll(keys);
    });
    const decrypts = await measure(() => decryptAll(keys, ciphertexts));
    report('encrypt, one container', encrypts);
    report('decrypt, same container', decrypts);
    expect(encrypts).toEqual({ generateDataKey: 1, decrypt: 0 });
    expect(decrypts).toEqual({ generateDataKey: 0, decrypt: 1 });

    const cold = await measure(() => decryptAll(provider(), ciphertexts));
    report('decrypt, another (cold) container', cold);
    expect(cold).toEqual({ generateDataKey: 0, decrypt: 1 });
  });

  it('takes a new data key after maxMessagesEncrypted messages', async () => {
    const calls = await measure(async () => {
      await encryptAll(provider({ cache: { maxMessagesEncrypted: 50 } }));
    });
    report('encrypt, maxMessagesEncrypted 50', calls);
    expect(calls.generateDataKey).toBe(OBJECTS / 50);
  });

  it('takes a new data key once maxAge has passed', async () => {
    const envelope = createEnvelope(provider({ cache: { maxAgeMs: 100 } }));
    const calls = await measure(async () => {
      await envelope.encrypt('data', body(1), rawContext(1));
      await envelope.encrypt('data', body(2), rawContext(2));
      await sleep(300);
      await envelope.encrypt('data', body(3), rawContext(3));
    });
    expect(calls.generateDataKey).toBe(2);
  });

  it('keeps one data key per partner (the KMS-bound part of the context)', async () => {
    const partners = ['demo', 'acme', 'north', 'south'];
    const keys = provider();
    let ciphertexts: Uint8Array[] = [];
    const encrypts = await measure(async () => {
      ciphertexts = await encryptAll(keys, partners);
    });
    const decrypts = await measure(() => decryptAll(provider(), ciphertexts, partners));
    report('encrypt, 4 partners', encrypts);
    report('decrypt, 4 partners, cold container', decrypts);
    expect(encrypts.generateDataKey).toBe(partners.length);
    expect(decrypts.decrypt).toBe(partners.length);
  });

  it('asks KMS once for concurrent cold-start encrypts and decrypts (a batch of records in parallel)', async () => {
    const envelope = createEnvelope(provider());
    const calls = await measure(async () => {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => envelope.encrypt('data', body(i), rawContext(i))),
      );
    });
    report('20 concurrent encrypts, cold', calls, 20);
    expect(calls.generateDataKey).toBe(1);
    const ciphertexts = await encryptAll(provider());
    const decrypts = await measure(async () => {
      const cold = createEnvelope(provider());
      await Promise.all(ciphertexts.map((c, i) => cold.decrypt('data', c, rawContext(i))));
    });
    report(`${OBJECTS} concurrent decrypts, cold`, decrypts);
    expect(decrypts.decrypt).toBe(1);
  });

  it('for comparison: the SDK caching CMM keyed by the whole per-object context never hits', async () => {
    const keyring = new KmsKeyringNode({ generatorKeyId: dataKey, clientProvider: () => kms });
    const naive: KeyProvider = {
      materials: async () =>
        asKeyMaterials(
          new NodeCachingMaterialsManager({
            backingMaterials: keyring,
            cache: cache,
            partition: 'naive',
            maxAge: 300_000,
            maxMessagesEncrypted: 1000,
          }),
        ),
    };
    const cache = getLocalCryptographicMaterialsCache<NodeAlgorithmSuite>(1000);
    let ciphertexts: Uint8Array[] = [];
    const encrypts = await measure(async () => {
      ciphertexts = await encryptAll(naive);
    });
    const decrypts = await measure(() => decryptAll(naive, ciphertexts));
    report('SDK caching CMM, per-object context, encrypt', encrypts);
    report('SDK caching CMM, per-object context, decrypt', decrypts);
    expect(encrypts.generateDataKey).toBe(OBJECTS);
    expect(decrypts.decrypt).toBe(OBJECTS);
  });
});
