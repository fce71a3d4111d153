import type { EncryptionContext, Envelope } from '../../crypto/envelope.js';
import type { ObjectStore, PutOptions } from '../../ports/object-store.js';
import type { PipelineDeps } from '../pipeline-deps.js';

/** The streaming port methods (shared/ports/object-store.ts, shared/crypto/envelope.ts), when present. */
type StreamingObjects = ObjectStore & {
  putStream?: (
    key: string,
    body: AsyncIterable<Uint8Array>,
    options?: PutOptions,
  ) => Promise<{ created: boolean; bytes: number }>;
};
type StreamingEnvelope = Envelope & {
  encryptStream?: (
    keyName: string,
    plaintext: AsyncIterable<Uint8Array>,
    context: EncryptionContext,
  ) => AsyncIterable<Uint8Array>;
};

/**
 * Writes a verified bulk file's plaintext envelope-encrypted to `raw/…`, consuming `plaintext` (the
 * verification pipeline pulls the landed file through this). Streamed with 64 KiB frames and a
 * multipart upload where the ports offer it; the one place that chooses.
 */
export async function writeRawFile(
  deps: Pick<PipelineDeps, 'objects' | 'envelope'>,
  key: string,
  context: EncryptionContext,
  plaintext: AsyncIterable<Uint8Array>,
): Promise<void> {
  const objects = deps.objects as StreamingObjects;
  const envelope = deps.envelope as StreamingEnvelope;
  const options: PutOptions = { contentType: 'application/octet-stream' };
  if (objects.putStream !== undefined && envelope.encryptStream !== undefined) {
    await objects.putStream(key, envelope.encryptStream('data', plaintext, context), options);
    return;
  }
  // Without the streaming ports the file is held once in memory (bounded by the manifest's limits).
  const chunks: Uint8Array[] = [];
  for await (const chunk of plaintext) chunks.push(chunk);
  await objects.put(key, await envelope.encrypt('data', Buffer.concat(chunks), context), options);
}
