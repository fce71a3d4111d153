import { z } from 'zod';
import {
  type FhirAuditOptions,
  toFhirAuditBundle,
  toFhirAuditEvent,
} from '../core/audit/fhir-audit-event.js';
import { type ChainLine, type ChainVerification, verifyChain } from '../core/audit/hash-chain.js';
import { PipelineError } from '../core/errors.js';
import type { AuditSink, Clock } from '../ports/index.js';
import type { AuditExportFormat } from './audit-export-formats.js';
import { auditedExport, type OperatorContext, type OperatorTargets } from './operator-actions.js';

/**
 * The whole audit log in chain order: `() => deps.auditLog.read()`, the AuditLog port of the
 * configured target (the day files under PHI_HOME/audit, or the S3 chain).
 */
export type AuditLogReader = () => Promise<readonly ChainLine[]>;

/** Verifies the chain end to end; the first broken record names its file, line, seq and reason. */
export async function verifyAuditLog(read: AuditLogReader): Promise<ChainVerification> {
  return verifyChain(await read());
}

export { AUDIT_EXPORT_FORMATS, type AuditExportFormat } from './audit-export-formats.js';

export type AuditExportResult =
  | { readonly ok: true; readonly count: number }
  | { readonly ok: false; readonly verification: Extract<ChainVerification, { ok: false }> };

/** Only the fields the mapping reads; a verified line that lacks them is not one of our records. */
const ChainedRecordSchema = z.object({
  time: z.string(),
  actor: z.object({
    type: z.enum(['partner', 'consumer', 'operator', 'system', 'anonymous']),
    id: z.string(),
  }),
  action: z.string(),
  outcome: z.enum(['success', 'failure']),
  code: z.string().optional(),
  requestId: z.string().optional(),
  submissionId: z.string().optional(),
  sourceIp: z.string().optional(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  seq: z.number().int(),
  hash: z.string(),
});

/**
 * Exports the log as FHIR R4 AuditEvents: `fhir` writes NDJSON (one resource per line), `fhir-bundle`
 * one `collection` Bundle. The chain is verified first: a tampered log is not exported as if sound.
 */
export async function exportAuditLog(
  read: AuditLogReader,
  format: AuditExportFormat,
  write: (text: string) => Promise<void>,
  options: FhirAuditOptions = {},
): Promise<AuditExportResult> {
  const lines = await read();
  const verification = verifyChain(lines);
  if (!verification.ok) return { ok: false, verification };
  const events = lines.map((line) => {
    const parsed = ChainedRecordSchema.safeParse(JSON.parse(line.text));
    if (!parsed.success) {
      throw new PipelineError(
        'content-invalid',
        `audit record at ${line.file}:${line.line} lacks pipeline fields`,
        {
          details: { file: line.file, line: line.line },
        },
      );
    }
    return toFhirAuditEvent(parsed.data, options);
  });
  if (format === 'fhir-bundle') {
    await write(`${JSON.stringify(toFhirAuditBundle(events))}\n`);
  } else {
    for (const event of events) await write(`${JSON.stringify(event)}\n`);
  }
  return { ok: true, count: events.length };
}

/**
 * `phi audit export` as an operator action: exports, then appends one `audit.export` record with the
 * operator, ticket, host, format and count (or `failure`, `audit-chain-broken` when the chain does not
 * verify, or the error's code). The record follows the export, so it is in the next export, not this one:
 * an export never contains a record claiming a success that had not happened yet.
 */
export async function exportAuditLogAsOperator(
  deps: { readonly audit: AuditSink; readonly clock: Clock },
  operator: OperatorContext,
  read: AuditLogReader,
  format: AuditExportFormat,
  write: (text: string) => Promise<void>,
  options: FhirAuditOptions & {
    /** Runs after a sound export and before its record (e.g. the durable write of `--out`). */
    readonly finish?: () => Promise<unknown>;
  } = {},
): Promise<AuditExportResult> {
  const { finish, ...fhir } = options;
  return auditedExport(
    deps,
    operator,
    format,
    () => exportAuditLog(read, format, write, fhir),
    (result): OperatorTargets => (result.ok ? { count: result.count } : {}),
    finish,
  );
}
