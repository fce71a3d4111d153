import { createHash } from 'node:crypto';
import type { PipelineDeps } from '../pipeline-deps.js';
import { storageKeys } from '../storage-keys.js';
import {
  type BulkFile,
  rawFileEncryptionContext,
  type SubmissionFailure,
  type SubmissionRecord,
} from '../submission.js';
import type { ClaimFileRead } from './bulk-acknowledgements.js';
import { type BulkInterchange, checkRepeatedInterchanges } from './bulk-interchanges.js';
import { fileCheckFor } from './file-checks.js';
import { LineErrorLog } from './line-errors.js';
import { declaredSha256 } from './manifest.js';
import { writeRawFile } from './raw-file-writer.js';

export type Verification =
  | {
      readonly ok: true;
      readonly counts: Record<string, number>;
      /** The 837 interchanges, to mark as used once the submission moves on. */
      readonly interchanges: readonly BulkInterchange[];
      /** The 837 files as read, for their TA1 and 999. */
      readonly claimFiles: readonly ClaimFileRead[];
    }
  | {
      readonly ok: false;
      readonly failure: SubmissionFailure;
      readonly errors: LineErrorLog;
      /** As read when the failure is their content; none when the bytes were not the declared ones. */
      readonly claimFiles: readonly ClaimFileRead[];
    };

type FileOutcome =
  | { readonly mismatch: 'size' | 'digest' | 'missing' }
  | {
      readonly mismatch?: undefined;
      readonly counts: Record<string, number>;
      readonly interchanges: string[];
      readonly claimFile?: ClaimFileRead;
    };

/**
 * Verifies every landed file of a bulk submission against its manifest, each in one streamed pass:
 * size and SHA-256 as the bytes go by, content checks line by line, and the verified plaintext
 * written envelope-encrypted to `raw/{partner}/{id}/{index}` as it is read. A size or digest that
 * differs fails the submission `upload-mismatch` at once; content defects are gathered over every
 * file and fail it `invalid-content`.
 */
export async function verifyBulkFiles(deps: PipelineDeps, record: SubmissionRecord): Promise<Verification> {
  const errors = new LineErrorLog();
  const counts: Record<string, number> = {};
  const interchanges: BulkInterchange[] = [];
  const claimFiles: ClaimFileRead[] = [];
  for (const file of record.files ?? []) {
    const outcome = await verifyOneFile(deps, record, file, errors);
    if (outcome.mismatch !== undefined) {
      return {
        ok: false,
        failure: mismatchFailure(file.index, outcome.mismatch),
        errors: new LineErrorLog(),
        claimFiles: [],
      };
    }
    for (const [type, n] of Object.entries(outcome.counts)) counts[type] = (counts[type] ?? 0) + n;
    for (const control of outcome.interchanges) interchanges.push({ file: file.index, control });
    if (outcome.claimFile !== undefined) claimFiles.push(outcome.claimFile);
  }
  await checkRepeatedInterchanges(deps.objects, record.partner, record.id, interchanges, errors);
  const first = errors.kept[0];
  if (first !== undefined || errors.count > 0) {
    return {
      ok: false,
      failure: {
        code: 'invalid-content',
        ...(first === undefined ? {} : { file: first.file }),
        message: `${errors.count} line(s) failed validation; GET /v1/submissions/{id}/errors lists them.`,
      },
      errors,
      claimFiles,
    };
  }
  return { ok: true, counts, interchanges, claimFiles };
}

function mismatchFailure(index: number, mismatch: 'size' | 'digest' | 'missing'): SubmissionFailure {
  if (mismatch === 'missing') {
    return { code: 'upload-incomplete', file: index, message: 'The file is no longer in the landing zone.' };
  }
  return {
    code: 'upload-mismatch',
    file: index,
    message:
      mismatch === 'size'
        ? 'The file that arrived is not the size the manifest declared.'
        : "The file that arrived does not match the manifest's contentDigest (SHA-256).",
  };
}

async function verifyOneFile(
  deps: PipelineDeps,
  record: SubmissionRecord,
  file: BulkFile,
  errors: LineErrorLog,
): Promise<FileOutcome> {
  const source = await deps.uploads.open(storageKeys.upload(record.partner, record.id, file.index));
  if (source === undefined) return { mismatch: 'missing' };
  // Errors of a file count only once its bytes are known to be the declared ones.
  const fileErrors = new LineErrorLog();
  const check = fileCheckFor(file, fileErrors);
  const hash = createHash('sha256');
  let size = 0;
  let oversize = false;
  async function* verified(): AsyncIterable<Uint8Array> {
    for await (const chunk of source ?? []) {
      size += chunk.byteLength;
      if (size > file.bytes) {
        oversize = true;
        return;
      }
      hash.update(chunk);
      check.push(chunk);
      yield chunk;
    }
  }
  await writeRawFile(
    deps,
    storageKeys.rawFile(record.partner, record.id, file.index),
    rawFileEncryptionContext(record.partner, record.id, file.index),
    verified(),
  );
  if (oversize || size !== file.bytes) return { mismatch: 'size' };
  if (hash.digest('base64') !== declaredSha256(file.contentDigest)) return { mismatch: 'digest' };
  check.end();
  for (const error of fileErrors.kept) errors.add(error);
  errors.more += fileErrors.more;
  return {
    counts: check.counts,
    interchanges: check.interchanges ?? [],
    ...(check.claimFile === undefined ? {} : { claimFile: check.claimFile }),
  };
}
