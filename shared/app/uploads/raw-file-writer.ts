import type { EncryptionContext } from '../../crypto/envelope.js';
import type { PipelineDeps } from '../pipeline-deps.js';

/**
 * Writes a verified bulk file's plaintext envelope-encrypted to `raw/…` as it is read: the
 * Encryption SDK's streaming API (64 KiB frames) into a streamed put (multipart on S3), so no file
 * is ever held whole. `plaintext` is the verification pass itself (it pulls the landed file through).
 */
export async function writeRawFile(
  deps: Pick<PipelineDeps, 'objects' | 'envelope'>,
  key: string,
  context: EncryptionContext,
  plaintext: AsyncIterable<Uint8Array>,
): Promise<void> {
  await deps.objects.putStream(key, deps.envelope.encryptStream('data', plaintext, context), {
    contentType: 'application/octet-stream',
  });
}
