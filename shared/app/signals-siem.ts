import { type ChainVerification, verifyChain } from '../core/audit/hash-chain.js';
import { PipelineError } from '../core/errors.js';
import type { Signal } from '../core/signals/index.js';
import type { AuditSink, Clock } from '../ports/index.js';
import type { AuditLogReader } from './audit-admin.js';
import { auditedExport, type OperatorContext, type OperatorTargets } from './operator-actions.js';
import type { PipelineDeps } from './pipeline-deps.js';
import { listSignals, type QueueDepthProbe } from './signals.js';

/**
 * The SIEM stream (docs/siem.md, schema docs/siem.schema.json): JSON lines, `type` `audit` (one per
 * chained audit record, in chain order) then `type` `signal`. Fields are copied by name, never by
 * spreading a record, so a field added to audit records later does not reach a SIEM unreviewed.
 */
export const SIEM_SCHEMA_VERSION = 1;

export interface SiemAuditLine {
  readonly v: typeof SIEM_SCHEMA_VERSION;
  readonly type: 'audit';
  readonly time: string;
  readonly seq: number;
  readonly actor: { readonly type: string; readonly id: string };
  readonly action: string;
  readonly outcome: 'success' | 'failure';
  readonly code?: string;
  readonly requestId?: string;
  readonly submissionId?: string;
  readonly sourceIp?: string;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
  readonly hash: string;
}

export type SiemLine = SiemAuditLine | Signal;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function detailsOf(value: unknown): SiemAuditLine['details'] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const kept = Object.entries(value).filter(
    ([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean',
  ) as [string, string | number | boolean][];
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}

/** One chained record as its SIEM line; undefined for a line that is not one of our records. */
export function siemAuditLine(text: string): SiemAuditLine | undefined {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const actor = r.actor as Record<string, unknown> | undefined;
  const time = str(r.time);
  const action = str(r.action);
  const hash = str(r.hash);
  const actorType = str(actor?.type);
  const actorId = str(actor?.id);
  if (
    time === undefined ||
    action === undefined ||
    hash === undefined ||
    actorType === undefined ||
    actorId === undefined ||
    typeof r.seq !== 'number' ||
    (r.outcome !== 'success' && r.outcome !== 'failure')
  ) {
    return undefined;
  }
  const optional = {
    code: str(r.code),
    requestId: str(r.requestId),
    submissionId: str(r.submissionId),
    sourceIp: str(r.sourceIp),
    details: detailsOf(r.details),
  };
  return {
    v: SIEM_SCHEMA_VERSION,
    type: 'audit',
    time,
    seq: r.seq,
    actor: { type: actorType, id: actorId },
    action,
    outcome: r.outcome,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    hash,
  };
}

export type SiemExportResult =
  | { readonly ok: true; readonly records: number; readonly signals: number }
  | { readonly ok: false; readonly verification: Extract<ChainVerification, { ok: false }> };

/**
 * Writes the verified chain (records from `since` on) and the signals as SIEM lines. A broken chain
 * exports nothing: a SIEM must not ingest a tampered log as sound.
 */
export async function exportSiem(
  deps: Pick<PipelineDeps, 'auditLog' | 'deadLetters' | 'contracts' | 'clock'>,
  read: AuditLogReader,
  write: (text: string) => Promise<void>,
  options: { readonly since?: Date; readonly depthOf?: QueueDepthProbe } = {},
): Promise<SiemExportResult> {
  const lines = await read();
  const verification = verifyChain(lines);
  if (!verification.ok) return { ok: false, verification };
  const since = options.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  let records = 0;
  for (const line of lines) {
    const record = siemAuditLine(line.text);
    if (record === undefined) {
      throw new PipelineError(
        'content-invalid',
        `audit record at ${line.file}:${line.line} lacks pipeline fields`,
        {
          details: { file: line.file, line: line.line },
        },
      );
    }
    if (Date.parse(record.time) < since) continue;
    await write(`${JSON.stringify(record)}\n`);
    records += 1;
  }
  const signals = await listSignals(
    { ...deps, auditLog: { read: async () => lines, verify: deps.auditLog.verify } },
    options,
  );
  for (const signal of signals) await write(`${JSON.stringify(signal)}\n`);
  return { ok: true, records, signals: signals.length };
}

/** `phi siem export` as an operator action: the export, then one `audit.export` record naming it. */
export async function exportSiemAsOperator(
  deps: Pick<PipelineDeps, 'auditLog' | 'deadLetters' | 'contracts'> & {
    readonly audit: AuditSink;
    readonly clock: Clock;
  },
  operator: OperatorContext,
  write: (text: string) => Promise<void>,
  options: {
    readonly since?: Date;
    readonly depthOf?: QueueDepthProbe;
    readonly finish?: () => Promise<unknown>;
  } = {},
): Promise<SiemExportResult> {
  return auditedExport(
    deps,
    operator,
    'siem-jsonl',
    () => exportSiem(deps, () => deps.auditLog.read(), write, options),
    (result): OperatorTargets => (result.ok ? { count: result.records, signals: result.signals } : {}),
    options.finish,
  );
}
