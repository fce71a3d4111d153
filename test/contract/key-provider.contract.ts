import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEnvelope, type Envelope } from '../../shared/crypto/envelope.js';
import { encryptionMaterials } from '../../shared/crypto/key-materials.js';
import type { KeyProvider } from '../../shared/ports/key-provider.js';

export interface KeyProviderFixture {
  readonly keys: KeyProvider;
  cleanup(): Promise<void>;
}

const CONTEXT = { purpose: 'raw', submissionId: 'sub-123', partner: 'demo' } as const;
const plaintext = (): Uint8Array =>
  new TextEncoder().encode('{"resourceType":"Bundle","type":"transaction"}');

/** Envelope encryption through any KeyProvider: round trip and every refusal the pipeline relies on. */
export function describeKeyProviderContract(name: string, make: () => Promise<KeyProviderFixture>): void {
  describe(`KeyProvider contract: ${name}`, () => {
    let fixture: KeyProviderFixture;
    let envelope: Envelope;

    beforeEach(async () => {
      fixture = await make();
      envelope = createEnvelope(fixture.keys);
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('round-trips through the envelope under the same key and context', async () => {
      const ciphertext = await envelope.encrypt('data', plaintext(), CONTEXT);
      expect(Buffer.from(ciphertext).includes(Buffer.from(plaintext()))).toBe(false);
      const decrypted = await envelope.decrypt('data', ciphertext, { ...CONTEXT });
      expect(Buffer.from(decrypted).toString()).toBe(Buffer.from(plaintext()).toString());
    });

    it('round-trips bodies larger than one frame', async () => {
      const large = new Uint8Array(200_000).map((_, i) => i % 251);
      const decrypted = await envelope.decrypt(
        'data',
        await envelope.encrypt('data', large, CONTEXT),
        CONTEXT,
      );
      expect(Buffer.compare(Buffer.from(decrypted), Buffer.from(large))).toBe(0);
    });

    it.each([
      ['another value', { ...CONTEXT, submissionId: 'sub-999' }],
      ['a missing entry', { purpose: 'raw', submissionId: 'sub-123' }],
      ['an extra entry', { ...CONTEXT, consumer: 'analytics' }],
    ])('refuses to decrypt with a context that has %s', async (_label, context) => {
      const ciphertext = await envelope.encrypt('data', plaintext(), CONTEXT);
      await expect(envelope.decrypt('data', ciphertext, context)).rejects.toMatchObject({
        code: 'crypto-context-mismatch',
      });
    });

    it("refuses another key's ciphertext", async () => {
      const ciphertext = await envelope.encrypt('consumer:analytics', plaintext(), CONTEXT);
      await expect(envelope.decrypt('consumer:research', ciphertext, CONTEXT)).rejects.toMatchObject({
        code: 'crypto-failed',
      });
      await expect(envelope.decrypt('data', ciphertext, CONTEXT)).rejects.toMatchObject({
        code: 'crypto-failed',
      });
    });

    it('refuses a ciphertext with any single byte changed', async () => {
      const ciphertext = await envelope.encrypt('data', plaintext(), CONTEXT);
      // One position in the header, one in the wrapped key, one in the body, the last in the tag.
      for (const at of [
        10,
        Math.floor(ciphertext.length / 3),
        ciphertext.length - 40,
        ciphertext.length - 1,
      ]) {
        const tampered = Uint8Array.from(ciphertext);
        tampered[at] = (tampered[at] ?? 0) ^ 0x01;
        await expect(envelope.decrypt('data', tampered, CONTEXT)).rejects.toMatchObject({
          code: 'crypto-failed',
        });
      }
    });

    it('refuses a message made with another algorithm suite even if key and context match', async () => {
      const signingClient = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
      const { result } = await signingClient.encrypt(
        encryptionMaterials(await fixture.keys.materials('data')),
        plaintext(),
        {
          suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
          encryptionContext: { ...CONTEXT },
        },
      );
      await expect(envelope.decrypt('data', result, CONTEXT)).rejects.toMatchObject({
        code: 'crypto-context-mismatch',
      });
    });

    it('refuses context values that are not ids, so no content can land in a header', async () => {
      await expect(
        envelope.encrypt('data', plaintext(), { ...CONTEXT, note: 'John Smith, DOB 1970-01-01' }),
      ).rejects.toMatchObject({ code: 'crypto-failed' });
      await expect(envelope.encrypt('data', plaintext(), {})).rejects.toMatchObject({
        code: 'crypto-failed',
      });
    });
  });
}
