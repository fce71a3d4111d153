import { PipelineError } from '../core/errors.js';
import { contentDigestOf } from '../core/integrity/content-digest.js';
import { decryptedCopies } from './decrypted-copies.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { storageKeys } from './storage-keys.js';
import { rawEncryptionContext } from './submission.js';

/**
 * The exact original bytes of a submission, decrypted under the context that binds them to their
 * partner and id, and checked against the digest the partner signed. A message cannot point a worker
 * at any other object.
 */
export async function decryptRaw(
  deps: Pick<PipelineDeps, 'objects' | 'envelope'>,
  msg: {
    readonly partner: string;
    readonly submissionId: string;
    readonly key: string;
    readonly contentDigest: string;
  },
): Promise<Uint8Array> {
  if (msg.key !== storageKeys.raw(msg.partner, msg.submissionId)) {
    throw new PipelineError('content-invalid', 'the message points at an object other than its submission');
  }
  const raw = await deps.objects.get(msg.key);
  if (!raw) {
    throw new PipelineError('store-unavailable', 'the raw submission is not in the store yet', {
      retryable: true,
    });
  }
  const context = rawEncryptionContext(msg.partner, msg.submissionId);
  // The process worker and each consumer's deliver worker read the same bytes within seconds.
  const copyKey = decryptedCopies.keyOf(raw.body, context);
  const plaintext = decryptedCopies.get(copyKey) ?? (await deps.envelope.decrypt('data', raw.body, context));
  if (contentDigestOf(plaintext) !== msg.contentDigest) {
    throw new PipelineError('content-invalid', 'the raw submission does not match its Content-Digest');
  }
  decryptedCopies.put(copyKey, plaintext);
  return plaintext;
}
