import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  buildClient,
  CommitmentPolicy,
  type EncryptedDataKey,
  KeyringNode,
  type NodeDecryptionMaterial,
  type NodeEncryptionMaterial,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  KEY_NAMESPACE,
  LocalKeyProvider,
  type LocalKeyProviderOptions,
} from '../../shared/adapters/embedded/local-key-provider.js';
import { createEnvelope, ENVELOPE_FRAME_LENGTH, ENVELOPE_SUITE } from '../../shared/crypto/envelope.js';

/** Counts what the key port really does: each keyring call is one data key generated or unwrapped. */
class CountingProvider extends LocalKeyProvider {
  generated = 0;
  unwrapped = 0;
  override async keyring(keyName: string): Promise<KeyringNode> {
    const inner = await super.keyring(keyName);
    const owner = this;
    return new (class extends KeyringNode {
      async _onEncrypt(material: NodeEncryptionMaterial): Promise<NodeEncryptionMaterial> {
        owner.generated++;
        return inner.onEncrypt(material);
      }
      async _onDecrypt(material: NodeDecryptionMaterial, edks: EncryptedDataKey[]) {
        owner.unwrapped++;
        return inner.onDecrypt(material, edks);
      }
    })();
  }
}

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'phi-keys-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const provider = (options?: LocalKeyProviderOptions) => new CountingProvider(home, options);
const context = (i: number, partner = 'demo') => ({ purpose: 'raw', submissionId: `sub-${i}`, partner });
const body = (i: number) => new TextEncoder().encode(`{"resourceType":"Bundle","id":"b-${i}"}`);

describe('LocalKeyProvider shares data keys as KMS does on AWS', () => {
  it('takes one data key for 1,000 encrypts and unwraps it once for their 1,000 decrypts', async () => {
    const keys = provider();
    const envelope = createEnvelope(keys);
    const sealed: Uint8Array[] = [];
    for (let i = 0; i < 1000; i++) sealed.push(await envelope.encrypt('data', body(i), context(i)));
    expect({ generated: keys.generated, unwrapped: keys.unwrapped }).toEqual({ generated: 1, unwrapped: 0 });
    const reader = provider();
    const opened = createEnvelope(reader);
    for (const [i, c] of sealed.entries()) {
      expect(Buffer.from(await opened.decrypt('data', c, context(i)))).toEqual(Buffer.from(body(i)));
    }
    expect({ generated: reader.generated, unwrapped: reader.unwrapped }).toEqual({
      generated: 0,
      unwrapped: 1,
    });
  });

  it('keeps each message its own: distinct message ids and no two ciphertexts alike', async () => {
    const envelope = createEnvelope(provider());
    const a = Buffer.from(await envelope.encrypt('data', body(1), context(1)));
    const b = Buffer.from(await envelope.encrypt('data', body(1), context(1)));
    // Version byte, suite (2 bytes), then the 32-byte message id the per-message key is derived from.
    expect(a.subarray(3, 35).equals(b.subarray(3, 35))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('takes a new data key per key name and per partner, never one across them', async () => {
    const keys = provider();
    const envelope = createEnvelope(keys);
    for (const partner of ['demo', 'acme']) {
      for (let i = 0; i < 3; i++) await envelope.encrypt('data', body(i), context(i, partner));
    }
    for (const consumer of ['consumer:analytics', 'consumer:research']) {
      await envelope.encrypt(consumer, body(1), { purpose: 'deid', submissionId: 'sub-1', consumer: 'x' });
    }
    expect(keys.generated).toBe(4);
  });

  it('takes a new data key past maxMessagesEncrypted, maxBytesEncrypted and maxAge', async () => {
    const byMessages = provider({ cache: { maxMessagesEncrypted: 10 } });
    for (let i = 0; i < 35; i++) await createEnvelope(byMessages).encrypt('data', body(i), context(i));
    expect(byMessages.generated).toBe(4);

    const byBytes = provider({ cache: { maxBytesEncrypted: 2_500 } });
    const envelope = createEnvelope(byBytes);
    for (let i = 0; i < 5; i++) await envelope.encrypt('data', new Uint8Array(1_000), context(i));
    expect(byBytes.generated).toBe(3);

    const byAge = provider({ cache: { maxAgeMs: 100 } });
    const aged = createEnvelope(byAge);
    const first = await aged.encrypt('data', body(1), context(1));
    await aged.encrypt('data', body(2), context(2));
    await aged.decrypt('data', first, context(1));
    await sleep(250);
    await aged.encrypt('data', body(3), context(3));
    await aged.decrypt('data', first, context(1));
    expect({ generated: byAge.generated, unwrapped: byAge.unwrapped }).toEqual({
      generated: 2,
      unwrapped: 2,
    });
  });

  it('asks the keyring once for a burst of concurrent cold encrypts and decrypts', async () => {
    const keys = provider();
    const envelope = createEnvelope(keys);
    const sealed = await Promise.all(
      Array.from({ length: 20 }, (_, i) => envelope.encrypt('data', body(i), context(i))),
    );
    const reader = provider();
    const opened = createEnvelope(reader);
    await Promise.all(sealed.map((c, i) => opened.decrypt('data', c, context(i))));
    expect([keys.generated, reader.unwrapped]).toEqual([1, 1]);
  });

  it('gives a stream of unknown length a data key of its own (its bytes cannot be counted first)', async () => {
    const keys = provider();
    const envelope = createEnvelope(keys);
    for (let i = 0; i < 3; i++) {
      for await (const _ of envelope.encryptStream('data', [body(i)].values() as never, context(i))) {
        // drained
      }
    }
    expect(keys.generated).toBe(3);
  });

  it('opens objects stored before data keys were shared (wrapped under their whole context)', async () => {
    const keys = provider();
    await keys.materials('data'); // creates the master key file
    const master = await readFile(path.join(home, 'keys', 'data.key'));
    const before = new RawAesKeyringNode({
      keyName: 'data',
      keyNamespace: KEY_NAMESPACE,
      unencryptedMasterKey: new Uint8Array(master),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
    const { result } = await buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT).encrypt(
      before,
      body(7),
      { suiteId: ENVELOPE_SUITE, frameLength: ENVELOPE_FRAME_LENGTH, encryptionContext: context(7) },
    );
    const envelope = createEnvelope(keys);
    expect(Buffer.from(await envelope.decrypt('data', result, context(7)))).toEqual(Buffer.from(body(7)));
    await expect(envelope.decrypt('data', result, context(8))).rejects.toMatchObject({
      code: 'crypto-context-mismatch',
    });
    const tampered = Buffer.from(result);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    await expect(envelope.decrypt('data', tampered, context(7))).rejects.toMatchObject({
      code: 'crypto-failed',
    });
  });

  it('names the suite the SDK names (the envelope does not import the SDK to read it)', async () => {
    const { AlgorithmSuiteIdentifier } = await import('@aws-crypto/client-node');
    expect(ENVELOPE_SUITE).toBe(AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY);
  });
});
