import { createHash } from 'node:crypto';
import { PipelineError } from '../../core/errors.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import type { DeliverMessage, IngestMessage } from '../queue-messages.js';
import { storageKeys } from '../storage-keys.js';
import { type BulkFile, rawFileEncryptionContext } from '../submission.js';

export type BulkMessage = Pick<
  IngestMessage | DeliverMessage,
  'partner' | 'submissionId' | 'key' | 'files' | 'receivedAt'
>;

/**
 * The files of a bulk message, checked to be its own: the key is the submission's raw prefix and the
 * files are numbered as a manifest numbers them. A message cannot point a worker at any other object.
 */
export function bulkFiles(msg: BulkMessage): readonly BulkFile[] {
  const files = msg.files ?? [];
  if (msg.key !== storageKeys.raw(msg.partner, msg.submissionId)) {
    throw new PipelineError('content-invalid', 'the message points at an object other than its submission');
  }
  if (files.length === 0 || files.some((file, i) => file.index !== i)) {
    throw new PipelineError('content-invalid', 'a bulk message lists its files out of manifest order');
  }
  return files;
}

/**
 * One verified file of a bulk submission, decrypted as it is read, under the context binding it to
 * its submission and place in the manifest; its size and SHA-256 are checked against the manifest
 * when the last byte has passed, so a consumer of these chunks must treat its work as provisional
 * until the iteration ends (every use here writes nothing visible before that).
 */
export async function* rawFilePlaintext(
  deps: Pick<PipelineDeps, 'objects' | 'envelope'>,
  msg: BulkMessage,
  file: BulkFile,
): AsyncGenerator<Uint8Array> {
  const ciphertext = await deps.objects.getStream(
    storageKeys.rawFile(msg.partner, msg.submissionId, file.index),
  );
  if (ciphertext === undefined) {
    throw new PipelineError('store-unavailable', 'a raw file of the submission is not in the store yet', {
      retryable: true,
      details: { file: file.index },
    });
  }
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of deps.envelope.decryptStream(
    'data',
    ciphertext,
    rawFileEncryptionContext(msg.partner, msg.submissionId, file.index),
  )) {
    hash.update(chunk);
    bytes += chunk.byteLength;
    if (bytes > file.bytes) throw mismatch(file);
    yield chunk;
  }
  if (bytes !== file.bytes || `sha-256=:${hash.digest('base64')}:` !== file.contentDigest)
    throw mismatch(file);
}

const mismatch = (file: BulkFile): PipelineError =>
  new PipelineError('content-invalid', 'a raw file does not match its declared size and Content-Digest', {
    details: { file: file.index },
  });

/** Reads every file of a bulk submission to its end: each decrypts and matches its manifest entry. */
export async function verifyBulkFiles(
  deps: Pick<PipelineDeps, 'objects' | 'envelope'>,
  msg: BulkMessage,
): Promise<void> {
  for (const file of bulkFiles(msg)) for await (const _chunk of rawFilePlaintext(deps, msg, file));
}
