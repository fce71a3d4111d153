import { PipelineError } from '../../core/errors.js';
import { validateBundle } from '../../core/fhir/validate-bundle.js';
import { validateResource } from '../../core/fhir/validate-resource.js';
import { parseSafeJson } from '../../core/json/safe-json.js';
import { guideFor } from '../../core/x12/guide/index.js';
import { X12Reader } from '../../core/x12/reader.js';
import type { BulkFile } from '../submission.js';
import { ClaimFileRead } from './bulk-acknowledgements.js';
import type { LineErrorLog } from './line-errors.js';
import { MAX_BULK_BUNDLE_BYTES } from './manifest.js';
import { NdjsonLineSplitter } from './ndjson-lines.js';

/**
 * Content checks of one bulk file, fed chunk by chunk as it streams: FHIR NDJSON line by line,
 * a FHIR Bundle as /v1/bundles checks it, an 837 through the streaming X12 reader with the door's
 * SNIP 1–4 rules. Defects go to the log (positions and rules, never values); only failures of the
 * pipeline itself throw.
 */
export interface FileCheck {
  push(chunk: Uint8Array): void;
  end(): void;
  /** Resources (FHIR) or claims (X12) per type, for the submission record. */
  readonly counts: Record<string, number>;
  /** An 837's interchange control numbers (ISA13), once read: checked against the partner's earlier ones. */
  readonly interchanges?: string[];
  /** An 837's head and read result, once read: its TA1 and 999 (bulk-acknowledgements.ts). */
  readonly claimFile?: ClaimFileRead;
}

/** One NDJSON line at most (a resource as large as a direct submission may be). */
export const MAX_NDJSON_LINE_BYTES = 16 * 1024 * 1024;

export function fileCheckFor(file: BulkFile, log: LineErrorLog): FileCheck {
  switch (file.kind) {
    case 'fhir-ndjson':
      return ndjsonCheck(file, log);
    case 'fhir-bundle':
      return bundleCheck(file, log);
    case 'x12-837':
      return x12Check(file, log);
  }
}

const isBlank = (line: Uint8Array): boolean => line.every((b) => b === 0x20 || b === 0x09 || b === 0x0d);

const expressionOf = (expression: unknown, resourceType: string): string =>
  typeof expression === 'string' ? expression : resourceType;

function ndjsonCheck(file: BulkFile, log: LineErrorLog): FileCheck {
  const type = file.resourceType ?? '';
  const counts: Record<string, number> = {};
  const add = (line: number, code: 'invalid-json' | 'invalid-fhir', expression: string, message: string) =>
    log.add({ file: file.index, line, code, expression, message });
  const splitter = new NdjsonLineSplitter(
    (bytes, line) => {
      if (isBlank(bytes)) return;
      let value: unknown;
      try {
        value = parseSafeJson(bytes);
      } catch (error) {
        if (!(error instanceof PipelineError) || error.code !== 'invalid-json') throw error;
        add(line, 'invalid-json', type, error.message);
        return;
      }
      try {
        // The same rules as a resource inside a submitted Bundle, located from the resource itself.
        validateResource(value, type);
      } catch (error) {
        if (!(error instanceof PipelineError) || error.code !== 'invalid-fhir') throw error;
        add(line, 'invalid-fhir', expressionOf(error.details?.expression, type), error.message);
        return;
      }
      counts[type] = (counts[type] ?? 0) + 1;
    },
    (line) => add(line, 'invalid-json', type, `The line exceeds ${MAX_NDJSON_LINE_BYTES} bytes.`),
    MAX_NDJSON_LINE_BYTES,
  );
  return { counts, push: (chunk) => splitter.push(chunk), end: () => splitter.end() };
}

function bundleCheck(file: BulkFile, log: LineErrorLog): FileCheck {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const counts: Record<string, number> = {};
  return {
    counts,
    push(chunk) {
      size += chunk.byteLength;
      if (size <= MAX_BULK_BUNDLE_BYTES) chunks.push(chunk);
    },
    end() {
      const fail = (code: 'invalid-json' | 'invalid-fhir', expression: string, message: string) =>
        log.add({ file: file.index, code, expression, message });
      if (size > MAX_BULK_BUNDLE_BYTES) {
        fail('invalid-json', 'Bundle', `A Bundle file is at most ${MAX_BULK_BUNDLE_BYTES} bytes.`);
        return;
      }
      try {
        const summary = validateBundle(parseSafeJson(Buffer.concat(chunks)));
        Object.assign(counts, summary.resourceCounts);
      } catch (error) {
        if (
          !(error instanceof PipelineError) ||
          (error.code !== 'invalid-fhir' && error.code !== 'invalid-json')
        ) {
          throw error;
        }
        const expression =
          typeof error.details?.expression === 'string' ? error.details.expression : 'Bundle';
        fail(error.code, expression, error.message);
      } finally {
        chunks.length = 0;
      }
    },
  };
}

function x12Check(file: BulkFile, log: LineErrorLog): FileCheck {
  const reader = new X12Reader(undefined);
  const counts: Record<string, number> = {};
  const interchanges: string[] = [];
  const claimFile = new ClaimFileRead(file.index);
  let unreadable = false;
  const refuse = (error: unknown): void => {
    if (!(error instanceof PipelineError) || error.code !== 'invalid-x12') throw error;
    unreadable = true;
    const expression = typeof error.details?.expression === 'string' ? error.details.expression : 'ISA';
    log.add({ file: file.index, code: 'invalid-x12', expression, message: error.message });
  };
  return {
    counts,
    interchanges,
    claimFile,
    push(chunk) {
      claimFile.see(chunk);
      if (unreadable) return;
      try {
        reader.push(chunk);
      } catch (error) {
        refuse(error);
      }
    },
    end() {
      if (unreadable) return;
      let result: ReturnType<X12Reader['end']>;
      try {
        result = reader.end();
      } catch (error) {
        refuse(error);
        return;
      }
      claimFile.result = result;
      for (const issue of result.issues) {
        log.add({
          file: file.index,
          code: 'invalid-claim',
          expression: issue.expression,
          message: issue.message,
        });
      }
      if (result.moreIssues > 0) log.more += result.moreIssues;
      if (result.interchanges.length === 0 && result.issues.length === 0) {
        log.add({
          file: file.index,
          code: 'invalid-claim',
          expression: 'ISA',
          message: 'The file holds no 837 interchange.',
        });
      }
      for (const interchange of result.interchanges) {
        interchanges.push(interchange.control);
        for (const group of interchange.groups) {
          // Never GS08 itself as a key: an unknown version is already an issue, and counts hold no content.
          const kind = guideFor(group.version)?.name ?? 'unknown-837';
          for (const set of group.sets) counts[kind] = (counts[kind] ?? 0) + set.claims;
        }
      }
    },
  };
}
