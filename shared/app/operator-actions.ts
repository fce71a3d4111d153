import os from 'node:os';
import { PipelineError } from '../core/errors.js';
import type { AuditEvent, AuditSink, Clock } from '../ports/index.js';
import { recordAudit } from './audit-events.js';

/**
 * A ticket is a reference into the operator's change or incident tracker (`CHG-1234`,
 * `jira:SEC/42`, `#981`), never a free-text reason: a reason typed at a prompt invites PHI ("patient
 * Jane Doe called"), and the audit chain must never hold PHI. So the alphabet is closed and short.
 */
export const TICKET = /^[A-Za-z0-9._:/#-]{1,64}$/;
/** The ticket rule as messages spell it. */
export const TICKET_RULE = '1-64 of A-Z a-z 0-9 . _ : / # -';
export const isTicket = (value: unknown): value is string => typeof value === 'string' && TICKET.test(value);

/** Host names as they go to the audit chain: a DNS-like name, else `unknown` (never an odd string). */
const HOST = /^[A-Za-z0-9._-]{1,253}$/;
export const auditableHost = (host: string): string => (HOST.test(host) ? host : 'unknown');
/** The machine an operator verb runs on (`os.hostname()`), as the audit chain records it. */
export const thisHost = (): string => auditableHost(os.hostname());

/** Who acts, why and from where: the accountability triple every operator action records. */
export interface OperatorContext {
  /** `user@host` or `--operator` (OPERATOR_ID). */
  readonly operator: string;
  /** `--ticket` (TICKET). */
  readonly ticket: string;
  /** Where the verb ran; `thisHost()` when absent. */
  readonly host?: string;
}

/**
 * The operator verbs that touch PHI or access, as the audit chain names them (`action`). Each maps to
 * a FHIR AuditEvent in shared/core/audit/fhir-audit-event.ts.
 */
export type OperatorVerb =
  | 'replay'
  | 'consumer.disable'
  | 'consumer.enable'
  | 'consumer.consume'
  | 'audit.export'
  | 'partner.add'
  | 'partner.revoke'
  | 'partner.rotate-key'
  | 'partner.set';

/** Ids, names, counts and codes of what the verb acted on; never a submitted value. */
export type OperatorTargets = Readonly<Record<string, string | number | boolean>>;

export interface OperatorAction {
  readonly verb: OperatorVerb;
  /** The submission acted on, when there is one (the record's `submissionId`). */
  readonly submissionId?: string;
  /** e.g. `{consumer: 'analytics'}`, `{partner: 'acme', kid: '…'}`, `{queue, messageId}`. */
  readonly targets?: OperatorTargets;
  readonly outcome: 'success' | 'failure';
  /** The error code on failure. */
  readonly code?: string;
}

/** Keys the record owns; a target of the same name would shadow who acted and why. */
const RESERVED = new Set(['ticket', 'host']);

/**
 * Appends one operator action to the hash-chained audit log: actor `operator`, action the verb,
 * outcome and code, and in `details` the targets plus `ticket` and `host`. The ticket is validated
 * here as well as at the CLI, so no caller (a Lambda event, a test) can chain an unchecked string.
 */
export async function recordOperatorAction(
  deps: { readonly audit: AuditSink; readonly clock: Clock },
  context: OperatorContext,
  action: OperatorAction,
): Promise<unknown> {
  if (!isTicket(context.ticket)) {
    throw new PipelineError('content-invalid', `ticket must be ${TICKET_RULE}`, {
      details: { fields: ['ticket'] },
    });
  }
  const targets = Object.fromEntries(
    Object.entries(action.targets ?? {}).filter(([key]) => !RESERVED.has(key)),
  );
  const event: Omit<AuditEvent, 'time'> = {
    actor: { type: 'operator', id: context.operator },
    action: action.verb,
    outcome: action.outcome,
    ...(action.code === undefined ? {} : { code: action.code }),
    ...(action.submissionId === undefined ? {} : { submissionId: action.submissionId }),
    details: { ...targets, ticket: context.ticket, host: auditableHost(context.host ?? thisHost()) },
  };
  return recordAudit(deps.audit, deps.clock, event);
}

/**
 * Runs an operator verb and records its outcome: `success` with the targets `work` returns merged in,
 * or `failure` with the error's code (`internal` for anything uncoded), then rethrows. Use it for verbs
 * that are one action (revoke, rotate, disable, export); a verb of many moves (replay) records each.
 */
export async function auditedOperatorAction<T>(
  deps: { readonly audit: AuditSink; readonly clock: Clock },
  context: OperatorContext,
  action: Omit<OperatorAction, 'outcome' | 'code'>,
  work: () => Promise<{ readonly result: T; readonly targets?: OperatorTargets }>,
): Promise<T> {
  if (!isTicket(context.ticket)) {
    throw new PipelineError('content-invalid', `ticket must be ${TICKET_RULE}`, {
      details: { fields: ['ticket'] },
    });
  }
  let done: { readonly result: T; readonly targets?: OperatorTargets };
  try {
    done = await work();
  } catch (error) {
    await recordOperatorAction(deps, context, {
      ...action,
      outcome: 'failure',
      code: error instanceof PipelineError ? error.code : 'internal',
    });
    throw error;
  }
  await recordOperatorAction(deps, context, {
    ...action,
    targets: { ...action.targets, ...done.targets },
    outcome: 'success',
  });
  return done.result;
}

/**
 * An export of the audit chain (`phi audit export`, `phi siem export`) as an operator action: runs it,
 * then `finish` (e.g. the durable write of `--out`) when it was sound, then appends one `audit.export`
 * record: `success` with what it counted, `failure` `audit-chain-broken` when the chain did not
 * verify, or the error's code. The record follows the export, so it is in the next export, not this
 * one: an export never holds a record claiming a success that had not happened yet.
 */
export async function auditedExport<R extends { readonly ok: boolean }>(
  deps: { readonly audit: AuditSink; readonly clock: Clock },
  operator: OperatorContext,
  format: string,
  run: () => Promise<R>,
  counted: (result: R) => OperatorTargets,
  finish?: () => Promise<unknown>,
): Promise<R> {
  let result: R;
  try {
    result = await run();
    if (result.ok && finish !== undefined) await finish();
  } catch (error) {
    await recordOperatorAction(deps, operator, {
      verb: 'audit.export',
      outcome: 'failure',
      code: error instanceof PipelineError ? error.code : 'internal',
      targets: { format },
    });
    throw error;
  }
  await recordOperatorAction(deps, operator, {
    verb: 'audit.export',
    ...(result.ok
      ? { outcome: 'success', targets: { format, ...counted(result) } }
      : { outcome: 'failure', code: 'audit-chain-broken', targets: { format } }),
  });
  return result;
}
