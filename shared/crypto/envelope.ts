import { PassThrough } from 'node:stream';
import type { AlgorithmSuiteIdentifier, buildClient } from '@aws-crypto/client-node';
import { PipelineError } from '../core/errors.js';
import type { KeyProvider } from '../ports/key-provider.js';
import { encryptionMaterials } from './key-materials.js';

export type EncryptionContext = Readonly<Record<string, string>>;

export interface Envelope {
  /** AWS Encryption SDK message: a fresh AES-256-GCM data key wrapped by the named key, bound to `context`. */
  encrypt(keyName: string, plaintext: Uint8Array, context: EncryptionContext): Promise<Uint8Array>;
  /** Refuses (`crypto-context-mismatch`) unless the message carries exactly `expectedContext` and the pinned suite. */
  decrypt(keyName: string, ciphertext: Uint8Array, expectedContext: EncryptionContext): Promise<Uint8Array>;
  /**
   * `encrypt` for plaintext of any size, read as it is produced: the same message format (suite, frame
   * length, context rules), so `decrypt` opens it when it fits in memory. Holds about one frame.
   * An error thrown by `plaintext` passes through unchanged.
   */
  encryptStream(
    keyName: string,
    plaintext: AsyncIterable<Uint8Array>,
    context: EncryptionContext,
  ): AsyncIterable<Uint8Array>;
  /**
   * `decrypt` as a stream: releases each frame's plaintext once that frame is authenticated, and refuses
   * (`crypto-context-mismatch`) before releasing anything when the header carries another context or
   * suite. A truncated or damaged message rejects the iteration (`crypto-failed`) at the damaged frame,
   * so earlier frames may already have been consumed: treat the output as provisional until it ends.
   */
  decryptStream(
    keyName: string,
    ciphertext: AsyncIterable<Uint8Array>,
    expectedContext: EncryptionContext,
  ): AsyncIterable<Uint8Array>;
}

/**
 * Committing, non-signing suite (ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY, 0x0478; a test holds
 * it equal to the SDK's enum, which is not imported here so that loading the envelope does not load the
 * SDK); with 64 KiB frames about 10x faster than the SDK defaults (toolchain.md §4).
 */
export const ENVELOPE_SUITE =
  0x0478 as AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
export const ENVELOPE_FRAME_LENGTH = 65_536;

/** Context keys name things; values are ids, so no submitted content can end up in a message header. */
const CONTEXT_KEY = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const CONTEXT_VALUE = /^[A-Za-z0-9._:/-]{1,128}$/;
const MAX_CONTEXT_ENTRIES = 16;

function assertContext(context: EncryptionContext): void {
  const entries = Object.entries(context);
  if (entries.length === 0 || entries.length > MAX_CONTEXT_ENTRIES) {
    throw new PipelineError('crypto-failed', `encryption context needs 1 to ${MAX_CONTEXT_ENTRIES} entries`, {
      details: { rule: 'context-size' },
    });
  }
  for (const [key, value] of entries) {
    // `aws-crypto-` keys are the SDK's own; the key pattern excludes them along with anything else odd.
    if (!CONTEXT_KEY.test(key)) {
      throw new PipelineError('crypto-failed', 'encryption context key is not a plain name', {
        details: { rule: 'context-key' },
      });
    }
    if (typeof value !== 'string' || !CONTEXT_VALUE.test(value)) {
      throw new PipelineError('crypto-failed', 'encryption context value must be an id', {
        details: { rule: 'context-value', key },
      });
    }
  }
}

const contextMismatch = (keyName: string): PipelineError =>
  new PipelineError('crypto-context-mismatch', 'encrypted object does not carry the expected context', {
    details: { keyName },
  });

/**
 * Message format version 2 opens with the version byte and the suite id (big-endian uint16). Checked on
 * the first bytes, so a message of another suite (e.g. a signing one, which the unsigned stream would
 * reject with its own error) is refused as a mismatch like `decrypt` does.
 */
async function* checkSuite(
  ciphertext: AsyncIterable<Uint8Array>,
  keyName: string,
): AsyncGenerator<Uint8Array> {
  let head = Buffer.alloc(0);
  let checked = false;
  for await (const chunk of ciphertext) {
    if (checked) {
      yield chunk;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    if (head.byteLength < 3) continue;
    if (head[0] !== 0x02 || head.readUInt16BE(1) !== ENVELOPE_SUITE) throw contextMismatch(keyName);
    checked = true;
    yield head;
  }
  if (!checked) {
    throw new PipelineError('crypto-failed', 'envelope message ends before its header', {
      details: { keyName },
    });
  }
}

/**
 * Runs `source` through one of the SDK's duplex streams and yields its output, with backpressure on
 * both sides so memory stays at the streams' buffers (about a frame). The SDK's own streams are never
 * destroyed from here: destroying its encrypt stream mid-message makes an internal callback-less
 * pipeline throw "Premature close" out of the event loop. Stopping early (an error, or a reader that
 * breaks off) closes `source`, ends the SDK stream and drains what it still emits into nothing, which
 * also lets it dispose of its key material.
 */
async function* throughDuplex(
  source: AsyncIterable<Uint8Array>,
  duplex: StreamDuplex,
  onError: (error: unknown) => unknown,
  beforeEachChunk: () => void = () => {},
): AsyncGenerator<Uint8Array> {
  const out = new PassThrough({ highWaterMark: 64 * 1024 });
  let failure: unknown;
  let sourceError: unknown;
  let stopped = false;
  let wake = (): void => {};
  // Kept for the stream's whole life: errors it emits after we stop listening must not go unhandled.
  duplex.on('error', (error: unknown) => {
    if (failure === undefined) failure = error;
    out.destroy(error instanceof Error ? error : undefined);
  });
  duplex.on('drain', () => wake());
  duplex.pipe(out);
  const pump = async (): Promise<void> => {
    try {
      for await (const chunk of source) {
        if (stopped || failure !== undefined) break;
        if (!duplex.write(chunk)) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      }
    } catch (error) {
      sourceError = error;
      out.destroy(error instanceof Error ? error : undefined);
    } finally {
      if (failure === undefined) duplex.end();
    }
  };
  const pumping = pump();
  try {
    for await (const chunk of out as AsyncIterable<Buffer>) {
      beforeEachChunk();
      yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
    await pumping;
  } catch (error) {
    if (sourceError !== undefined) throw sourceError;
    if (error instanceof PipelineError) throw error;
    throw onError(failure ?? error);
  } finally {
    stopped = true;
    wake();
    duplex.unpipe(out);
    duplex.resume();
  }
  if (sourceError !== undefined) throw sourceError;
}

function sameContext(actual: Readonly<Record<string, string>>, expected: EncryptionContext): boolean {
  const actualKeys = Object.keys(actual);
  return (
    actualKeys.length === Object.keys(expected).length &&
    actualKeys.every((key) => Object.hasOwn(expected, key) && expected[key] === actual[key])
  );
}

type Client = ReturnType<typeof buildClient>;

/**
 * The Encryption SDK and its dependencies take 100-170 ms to load: imported on the first encrypt or
 * decrypt, so a verb or handler that builds the pipeline without opening an object never loads it.
 */
export function createEnvelope(keys: KeyProvider): Envelope {
  let loading: Promise<Client> | undefined;
  const sdk = (): Promise<Client> => {
    loading ??= import('@aws-crypto/client-node').then(({ buildClient, CommitmentPolicy }) =>
      buildClient({
        commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
        maxEncryptedDataKeys: 1,
      }),
    );
    return loading;
  };

  return {
    async encrypt(keyName, plaintext, context) {
      assertContext(context);
      const materials = encryptionMaterials(await keys.materials(keyName));
      const client = await sdk();
      try {
        const { result } = await client.encrypt(materials, plaintext, {
          suiteId: ENVELOPE_SUITE,
          frameLength: ENVELOPE_FRAME_LENGTH,
          encryptionContext: { ...context },
        });
        return new Uint8Array(result.buffer, result.byteOffset, result.byteLength);
      } catch (error) {
        throw cryptoFailure('envelope encryption failed', keyName, error);
      }
    },

    async decrypt(keyName, ciphertext, expectedContext) {
      assertContext(expectedContext);
      const materials = encryptionMaterials(await keys.materials(keyName));
      const client = await sdk();
      let decrypted: Awaited<ReturnType<typeof client.decrypt>>;
      try {
        decrypted = await client.decrypt(materials, ciphertext);
      } catch (error) {
        throw cryptoFailure('envelope decryption failed', keyName, error);
      }
      const { messageHeader, plaintext } = decrypted;
      if (
        messageHeader.suiteId !== ENVELOPE_SUITE ||
        !sameContext(messageHeader.encryptionContext, expectedContext)
      ) {
        plaintext.fill(0);
        throw new PipelineError(
          'crypto-context-mismatch',
          'encrypted object does not carry the expected context',
          {
            details: { keyName },
          },
        );
      }
      return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
    },

    async *encryptStream(keyName, plaintext, context) {
      assertContext(context);
      const materials = encryptionMaterials(await keys.materials(keyName));
      const client = await sdk();
      const stream = client.encryptStream(materials, {
        suiteId: ENVELOPE_SUITE,
        frameLength: ENVELOPE_FRAME_LENGTH,
        encryptionContext: { ...context },
      });
      yield* throughDuplex(plaintext, stream as unknown as StreamDuplex, (error) =>
        cryptoFailure('envelope encryption failed', keyName, error),
      );
    },

    async *decryptStream(keyName, ciphertext, expectedContext) {
      assertContext(expectedContext);
      const materials = encryptionMaterials(await keys.materials(keyName));
      const client = await sdk();
      const stream = client.decryptUnsignedMessageStream(materials);
      let verdict: 'pending' | 'accepted' | 'refused' = 'pending';
      // Emitted once the header is authenticated and before any frame is deciphered.
      stream.once(
        'MessageHeader',
        (header: { suiteId: number; encryptionContext: Record<string, string> }) => {
          if (header.suiteId === ENVELOPE_SUITE && sameContext(header.encryptionContext, expectedContext)) {
            verdict = 'accepted';
          } else {
            verdict = 'refused';
            stream.destroy(contextMismatch(keyName));
          }
        },
      );
      yield* throughDuplex(
        checkSuite(ciphertext, keyName),
        stream as unknown as StreamDuplex,
        (error) => cryptoFailure('envelope decryption failed', keyName, error),
        () => {
          if (verdict !== 'accepted') throw contextMismatch(keyName);
        },
      );
    },
  };
}

/** What the SDK's streams are (duplexify over readable-stream), as far as we use them. */
type StreamDuplex = NodeJS.ReadWriteStream & { destroy(error?: Error): void };

/**
 * A failure of the key service itself (KMS throttled or unreachable) is transient and stays retryable,
 * so the message is retried instead of dead-lettered; anything else (bad ciphertext, wrong key) is not.
 */
function cryptoFailure(message: string, keyName: string, error: unknown): PipelineError {
  let cause: unknown = error;
  let retryable = false;
  for (let depth = 0; depth < 5 && cause !== undefined; depth++) {
    if (cause instanceof PipelineError && cause.retryable) {
      retryable = true;
      break;
    }
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return new PipelineError('crypto-failed', message, { details: { keyName }, cause: error, retryable });
}
