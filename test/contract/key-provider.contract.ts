import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PipelineError } from '../../shared/core/errors.js';
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

async function* chunksOf(body: Uint8Array, chunk: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < body.byteLength; at += chunk) yield body.subarray(at, at + chunk);
}

async function collect(stream: AsyncIterable<Uint8Array>, into: Uint8Array[] = []): Promise<Buffer> {
  for await (const part of stream) into.push(Uint8Array.from(part));
  return Buffer.concat(into);
}

/** Several 64 KiB frames of text that differ by position, so a dropped or reordered frame shows. */
const multiFrame = (size = 300_000): Uint8Array =>
  new TextEncoder().encode(
    Array.from({ length: Math.ceil(size / 16) }, (_, i) => `line-${String(i).padStart(9, '0')}\n`)
      .join('')
      .slice(0, size),
  );

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

    it('still compares the whole context when the data key is shared and already unwrapped', async () => {
      // Both objects take one data key (same purpose and partner); the first decrypt leaves it cached.
      const first = await envelope.encrypt('data', plaintext(), CONTEXT);
      const second = await envelope.encrypt('data', plaintext(), { ...CONTEXT, submissionId: 'sub-456' });
      await expect(envelope.decrypt('data', first, CONTEXT)).resolves.toBeInstanceOf(Uint8Array);
      await expect(envelope.decrypt('data', second, CONTEXT)).rejects.toMatchObject({
        code: 'crypto-context-mismatch',
      });
      const released: Uint8Array[] = [];
      await expect(
        collect(envelope.decryptStream('data', chunksOf(second, 1_000), CONTEXT), released),
      ).rejects.toMatchObject({ code: 'crypto-context-mismatch' });
      expect(released).toEqual([]);
      await expect(
        envelope.decrypt('data', second, { ...CONTEXT, submissionId: 'sub-456' }),
      ).resolves.toBeInstanceOf(Uint8Array);
    });

    it('refuses a warm-cache message whose header context was changed', async () => {
      const ciphertext = await envelope.encrypt('data', plaintext(), CONTEXT);
      await envelope.decrypt('data', ciphertext, CONTEXT);
      // The context's values sit in the header after version, suite, message id and lengths.
      const header = Buffer.from(ciphertext);
      const at = header.indexOf(Buffer.from('sub-123'));
      expect(at).toBeGreaterThan(0);
      header.write('sub-124', at);
      await expect(
        envelope.decrypt('data', header, { ...CONTEXT, submissionId: 'sub-124' }),
      ).rejects.toMatchObject({ code: 'crypto-failed' });
      await expect(envelope.decrypt('data', header, CONTEXT)).rejects.toMatchObject({
        code: 'crypto-failed',
      });
    });

    it("refuses another partner's context, the part bound into the data key", async () => {
      const ciphertext = await envelope.encrypt('data', plaintext(), CONTEXT);
      await envelope.decrypt('data', ciphertext, CONTEXT);
      await expect(
        envelope.decrypt('data', ciphertext, { ...CONTEXT, partner: 'acme' }),
      ).rejects.toMatchObject({ code: 'crypto-context-mismatch' });
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

    describe('streams', () => {
      it('round-trips through encryptStream and decryptStream, in any chunking, as ciphertext', async () => {
        const body = multiFrame();
        const ciphertext = await collect(envelope.encryptStream('data', chunksOf(body, 7_001), CONTEXT));
        expect(ciphertext.includes(Buffer.from(body.subarray(0, 64)))).toBe(false);
        for (const chunk of [997, 4_096, 65_536 + 13, ciphertext.byteLength]) {
          const plain = await collect(envelope.decryptStream('data', chunksOf(ciphertext, chunk), CONTEXT));
          expect(Buffer.compare(plain, Buffer.from(body))).toBe(0);
        }
      });

      it('round-trips empty and one-byte bodies', async () => {
        for (const body of [new Uint8Array(), Uint8Array.of(0x7b)]) {
          const ciphertext = await collect(envelope.encryptStream('data', chunksOf(body, 1), CONTEXT));
          expect(
            Buffer.compare(
              await collect(envelope.decryptStream('data', [ciphertext].values() as never, CONTEXT)),
              Buffer.from(body),
            ),
          ).toBe(0);
          expect(
            Buffer.compare(
              Buffer.from(await envelope.decrypt('data', ciphertext, CONTEXT)),
              Buffer.from(body),
            ),
          ).toBe(0);
        }
      });

      it('interoperates with the whole-buffer encrypt and decrypt, both ways', async () => {
        const body = multiFrame(200_000);
        const streamed = await collect(envelope.encryptStream('data', chunksOf(body, 50_000), CONTEXT));
        expect(
          Buffer.compare(Buffer.from(await envelope.decrypt('data', streamed, CONTEXT)), Buffer.from(body)),
        ).toBe(0);
        const whole = await envelope.encrypt('data', body, CONTEXT);
        const plain = await collect(envelope.decryptStream('data', chunksOf(whole, 10_000), CONTEXT));
        expect(Buffer.compare(plain, Buffer.from(body))).toBe(0);
      });

      it.each([
        ['another value', { ...CONTEXT, submissionId: 'sub-999' }],
        ['a missing entry', { purpose: 'raw', submissionId: 'sub-123' }],
        ['an extra entry', { ...CONTEXT, consumer: 'analytics' }],
      ])('refuses a context with %s before releasing any plaintext', async (_label, context) => {
        for (const ciphertext of [
          await collect(envelope.encryptStream('data', chunksOf(multiFrame(), 65_536), CONTEXT)),
          await envelope.encrypt('data', multiFrame(), CONTEXT),
        ]) {
          const released: Uint8Array[] = [];
          await expect(
            collect(envelope.decryptStream('data', chunksOf(ciphertext, 100_000), context), released),
          ).rejects.toMatchObject({ code: 'crypto-context-mismatch' });
          expect(released).toEqual([]);
        }
      });

      it('refuses another suite (a signing one) before releasing any plaintext', async () => {
        const signingClient = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
        const { result } = await signingClient.encrypt(
          encryptionMaterials(await fixture.keys.materials('data')),
          multiFrame(),
          {
            suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
            encryptionContext: { ...CONTEXT },
            frameLength: 4096,
          },
        );
        const released: Uint8Array[] = [];
        await expect(
          collect(envelope.decryptStream('data', chunksOf(result, 1), CONTEXT), released),
        ).rejects.toMatchObject({ code: 'crypto-context-mismatch' });
        expect(released).toEqual([]);
      });

      it('refuses a truncated message wherever it is cut, and a changed byte in a later frame', async () => {
        const body = multiFrame(200_000);
        const ciphertext = await collect(envelope.encryptStream('data', chunksOf(body, 65_536), CONTEXT));
        const frameBytes = 4 + 12 + 65_536 + 16;
        const lastFrameStart = ciphertext.byteLength - (body.byteLength % 65_536) - 4 - 4 + 0;
        const cuts = [
          0,
          2,
          40,
          ciphertext.byteLength - 3 * frameBytes - 100,
          lastFrameStart - 16,
          ciphertext.byteLength - 1,
        ];
        for (const cut of cuts) {
          const released: Uint8Array[] = [];
          await expect(
            collect(
              envelope.decryptStream('data', chunksOf(ciphertext.subarray(0, cut), 30_000), CONTEXT),
              released,
            ),
          ).rejects.toMatchObject({ code: 'crypto-failed' });
          // Whatever was released before the cut comes from authenticated frames: a prefix of the plaintext.
          const seen = Buffer.concat(released);
          expect(seen.byteLength).toBeLessThan(body.byteLength);
          expect(Buffer.compare(seen, Buffer.from(body.subarray(0, seen.byteLength)))).toBe(0);
        }
        const tampered = Buffer.from(ciphertext);
        const at = ciphertext.byteLength - 2 * frameBytes;
        tampered[at] = (tampered[at] ?? 0) ^ 0x01;
        await expect(
          collect(envelope.decryptStream('data', chunksOf(tampered, 65_536), CONTEXT)),
        ).rejects.toMatchObject({
          code: 'crypto-failed',
        });
      });

      it("passes the plaintext source's own error through unchanged", async () => {
        const failure = new PipelineError('content-invalid', 'producer failed');
        async function* broken(): AsyncGenerator<Uint8Array> {
          yield multiFrame(100_000);
          throw failure;
        }
        await expect(collect(envelope.encryptStream('data', broken(), CONTEXT))).rejects.toBe(failure);
        const ciphertext = await collect(
          envelope.encryptStream('data', chunksOf(multiFrame(), 65_536), CONTEXT),
        );
        async function* brokenCiphertext(): AsyncGenerator<Uint8Array> {
          yield ciphertext.subarray(0, 150_000);
          throw failure;
        }
        await expect(collect(envelope.decryptStream('data', brokenCiphertext(), CONTEXT))).rejects.toBe(
          failure,
        );
      });

      it('refuses bad contexts as encrypt does, before reading the plaintext', async () => {
        let read = false;
        async function* body(): AsyncGenerator<Uint8Array> {
          read = true;
          yield plaintext();
        }
        await expect(
          collect(envelope.encryptStream('data', body(), { note: 'John Smith' })),
        ).rejects.toMatchObject({
          code: 'crypto-failed',
        });
        expect(read).toBe(false);
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
