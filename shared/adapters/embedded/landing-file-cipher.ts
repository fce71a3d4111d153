import { PipelineError } from '../../core/errors.js';
import type { EncryptionContext, Envelope } from '../../crypto/envelope.js';

/**
 * At-rest encryption of the local landing zone, in the role SSE-KMS plays for `uploads/` on S3: each
 * landed file, and each part of a multipart upload, is one Envelope message written as it streams in
 * (`encryptStream`: a fresh data key under the `data` key, 64 KiB authenticated frames, a committed
 * suite). The context names the landing key (and the upload id and part number for a part), so a file
 * moved to another key, a part moved to another upload or position, a changed byte or a cut-off end
 * fails the read.
 */
const LANDING_KEY_NAME = 'data';

export type LandingContext = EncryptionContext & { readonly key: string };

export const landedFileContext = (key: string): LandingContext => ({ purpose: 'upload-landing', key });

export const landedPartContext = (key: string, uploadId: string, partNumber: number): LandingContext => ({
  purpose: 'upload-part',
  key,
  uploadId,
  part: String(partNumber),
});

/** The plaintext as it arrives, encrypted frame by frame; an error of the plaintext passes through. */
export const encryptLanding = (
  envelope: Envelope,
  context: EncryptionContext,
  plaintext: AsyncIterable<Uint8Array>,
): AsyncIterable<Uint8Array> => envelope.encryptStream(LANDING_KEY_NAME, plaintext, context);

/**
 * Back to plaintext; any tampering, truncation or other context is `store-unavailable` (a landed file
 * that fails its integrity check is as good as missing). Output is provisional until the stream ends.
 */
export async function* decryptLanding(
  envelope: Envelope,
  context: LandingContext,
  ciphertext: AsyncIterable<Uint8Array>,
): AsyncIterable<Uint8Array> {
  try {
    yield* envelope.decryptStream(LANDING_KEY_NAME, ciphertext, context);
  } catch (error) {
    if (
      error instanceof PipelineError &&
      error.code !== 'crypto-failed' &&
      error.code !== 'crypto-context-mismatch'
    ) {
      throw error;
    }
    throw new PipelineError('store-unavailable', 'a landed upload failed its integrity check', {
      details: { key: context.key },
      cause: error,
    });
  }
}
