import type { Bundle } from '@medplum/fhirtypes';
import { isPipelineError, PipelineError } from '../../core/errors.js';
import { type JsonLimits, parseSafeJson } from '../../core/json/safe-json.js';
import { claimBundleHandler } from '../../core/x12/fhir/claim-bundles.js';
import { X12Reader } from '../../core/x12/reader.js';
import type { PipelineDeps } from '../pipeline-deps.js';
import type { BulkFile } from '../submission.js';
import { ndjsonLines } from './lines.js';
import { type BulkMessage, rawFilePlaintext } from './raw-files.js';

/** One NDJSON line may be a large resource (a Bundle-sized DocumentReference), never a whole file. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;
/** A `fhir-bundle` file is held whole to be de-identified as one Bundle; bulk exports come as NDJSON. */
export const MAX_BUNDLE_FILE_BYTES = 64 * 1024 * 1024;

const LINE_LIMITS: Partial<JsonLimits> = {
  maxBytes: MAX_LINE_BYTES,
  maxStringLength: MAX_LINE_BYTES,
  maxArrayLength: 1_000_000,
};

/** What a file of a bulk submission holds, one value at a time: a resource (NDJSON line) or a Bundle. */
export interface BulkValue {
  readonly value: unknown;
  readonly file: number;
}

/**
 * The FHIR values of one file, streamed: an NDJSON line at a time; a `fhir-bundle` file as its one
 * Bundle; an 837 one claim at a time, each mapped to a FHIR Bundle as it completes (readX12Stream's
 * reader and claimBundleHandler), so memory holds one line, one claim or one Bundle file.
 */
export async function* bulkValues(
  deps: Pick<PipelineDeps, 'objects' | 'envelope'>,
  msg: BulkMessage,
  file: BulkFile,
): AsyncGenerator<BulkValue> {
  const chunks = rawFilePlaintext(deps, msg, file);
  if (file.kind === 'fhir-ndjson') {
    for await (const { line, bytes } of ndjsonLines(chunks, MAX_LINE_BYTES)) {
      yield { value: parse(bytes, file, line), file: file.index };
    }
    return;
  }
  if (file.kind === 'fhir-bundle') {
    if (file.bytes > MAX_BUNDLE_FILE_BYTES) {
      throw new PipelineError(
        'content-invalid',
        `a fhir-bundle file exceeds ${MAX_BUNDLE_FILE_BYTES} bytes`,
        {
          details: { file: file.index },
        },
      );
    }
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    yield { value: parse(Buffer.concat(parts), file, undefined), file: file.index };
    return;
  }
  yield* claimValues(chunks, msg, file);
}

/**
 * An 837 as FHIR, one claim's Bundle at a time (each whole, so its references resolve inside it). A
 * patient in several claims comes in each of their Bundles; the copy writes it once (see bulk-copy.ts).
 */
async function* claimValues(
  chunks: AsyncIterable<Uint8Array>,
  msg: BulkMessage,
  file: BulkFile,
): AsyncGenerator<BulkValue> {
  const ready: Bundle[] = [];
  const reader = new X12Reader(
    claimBundleHandler((bundle: Bundle) => ready.push(bundle), {
      submissionId: msg.submissionId,
      lastUpdated: msg.receivedAt,
    }),
    {},
  );
  try {
    for await (const chunk of chunks) {
      reader.push(chunk);
      while (ready.length > 0) yield { value: ready.shift(), file: file.index };
    }
    reader.end();
    while (ready.length > 0) yield { value: ready.shift(), file: file.index };
  } catch (error) {
    if (isPipelineError(error) && error.code === 'invalid-x12') {
      throw new PipelineError('content-invalid', 'an x12-837 file cannot be read', {
        cause: error,
        details: { file: file.index },
      });
    }
    throw error;
  }
}

function parse(bytes: Uint8Array, file: BulkFile, line: number | undefined): unknown {
  try {
    return parseSafeJson(bytes, LINE_LIMITS);
  } catch (error) {
    if (!isPipelineError(error)) throw error;
    // Positions only: the parser's message could quote nothing, but the file is named by index.
    throw new PipelineError(
      'content-invalid',
      `file ${file.index}${line === undefined ? '' : ` line ${line}`}: not valid JSON`,
      {
        cause: error,
        details: { file: file.index, ...(line === undefined ? {} : { line }) },
      },
    );
  }
}
