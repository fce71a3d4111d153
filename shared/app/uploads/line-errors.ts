import { ERROR_CODES, type ErrorCode } from '../../core/errors.js';

/**
 * Per-line validation errors of a bulk file, as the OperationOutcome NDJSON a partner fetches from
 * GET /v1/submissions/{id}/errors (in the spirit of the FHIR Bulk Data submit drafts): one
 * OperationOutcome per line in error, naming the file (manifest index), the line and the element,
 * with the rule broken; never a value.
 */
export interface LineError {
  /** Manifest index of the file. */
  readonly file: number;
  /** 1-based line of an NDJSON file; absent for a Bundle or an 837 (the expression places it). */
  readonly line?: number;
  readonly code: ErrorCode;
  /** FHIRPath-like location (`Patient.birthDate`) or X12 position (`2010BA/NM1[17]/NM103`). */
  readonly expression: string;
  /** A fixed sentence naming the rule. */
  readonly message: string;
}

/** Errors kept per submission; beyond this they are only counted (the last line says how many more). */
export const MAX_LINE_ERRORS = 1000;

export class LineErrorLog {
  readonly kept: LineError[] = [];
  more = 0;

  add(error: LineError): void {
    if (this.kept.length < MAX_LINE_ERRORS) this.kept.push(error);
    else this.more += 1;
  }

  get count(): number {
    return this.kept.length + this.more;
  }
}

const ERROR_SYSTEM = 'urn:phi-pipeline:error';

export function lineErrorOutcome(error: LineError): Record<string, unknown> {
  return {
    resourceType: 'OperationOutcome',
    extension: [
      { url: 'urn:phi-pipeline:upload-file', valueInteger: error.file },
      ...(error.line === undefined
        ? []
        : [{ url: 'urn:phi-pipeline:upload-line', valueInteger: error.line }]),
    ],
    issue: [
      {
        severity: 'error',
        code: ERROR_CODES[error.code].issue,
        details: { coding: [{ system: ERROR_SYSTEM, code: error.code }] },
        diagnostics:
          error.line === undefined
            ? `file ${error.file}: ${error.message}`
            : `file ${error.file}, line ${error.line}: ${error.message}`,
        expression: [error.expression],
        ...(error.line === undefined ? {} : { location: [`line ${error.line}`] }),
      },
    ],
  };
}

/** The NDJSON body: one OperationOutcome per kept error, then one saying how many were left out. */
export function lineErrorsNdjson(log: LineErrorLog): Uint8Array {
  const lines = log.kept.map((e) => JSON.stringify(lineErrorOutcome(e)));
  if (log.more > 0) {
    lines.push(
      JSON.stringify({
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'information',
            code: 'too-costly',
            diagnostics: `${log.more} more line error(s) not listed (at most ${MAX_LINE_ERRORS} are).`,
          },
        ],
      }),
    );
  }
  return new TextEncoder().encode(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
}
