import os from 'node:os';
import type { Command } from 'commander';
import { isTicket, type OperatorContext, TICKET_RULE, thisHost } from '../shared/app/operator-actions.js';
import { OPERATOR_ID } from '../shared/core/ids.js';
import { CliError } from './cli-error.js';

/**
 * `--ticket` and `--operator` for the operator verbs that touch PHI or access (SPEC §5): a ticket is
 * required, checked before anything is read or changed, and a missing or malformed one is a usage
 * error (exit 2) that does nothing and audits nothing, like every other usage error of the CLI.
 */

const TICKET_HELP = `change or incident reference this action is for (required; recorded in the audit chain): ${TICKET_RULE}, a reference, not a reason in words`;
const OPERATOR_HELP = 'operator identity for the audit log (default: user@host)';

/** Adds `--ticket REF` (and `--operator ID`) to a verb. */
export function withTicketOptions(command: Command): Command {
  return command.option('--ticket <ref>', TICKET_HELP).option('--operator <id>', OPERATOR_HELP);
}

/** The ticket of a verb's options; absent or outside the alphabet is a usage error naming the rule. */
export function requireTicket(ticket: string | undefined, verb: string): string {
  if (ticket === undefined) {
    throw new CliError(`${verb} requires --ticket REF (the change or incident it is for)`, 2);
  }
  // The value is not echoed: whatever was typed may be the free text the rule keeps out.
  if (!isTicket(ticket)) throw new CliError(`--ticket must be ${TICKET_RULE}`, 2);
  return ticket;
}

/** `user@host` of whoever runs the CLI, kept to the operator id alphabet. */
export function defaultOperatorId(): string {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    // No passwd entry (some containers): the numeric uid still identifies the account.
    user = `uid-${process.getuid?.() ?? 'unknown'}`;
  }
  const id = `${user}@${os.hostname()}`.replace(/[^A-Za-z0-9._@:+-]/g, '_').slice(0, 128);
  return OPERATOR_ID.test(id) ? id : 'unknown';
}

/** The operator's identity of a verb's options: `--operator` when given (checked), else user@host. */
export function operatorIdOf(operator: string | undefined): string {
  if (operator === undefined) return defaultOperatorId();
  if (!OPERATOR_ID.test(operator))
    throw new CliError('--operator must be 1-128 of A-Z a-z 0-9 . _ @ : + -', 2);
  return operator;
}

/**
 * Who, why and where for an operator verb: call it first in the action, before any dependency is
 * prepared, so a usage error changes nothing.
 */
export function operatorContextOf(
  opts: { readonly ticket?: string; readonly operator?: string },
  verb: string,
): Required<OperatorContext> {
  const ticket = requireTicket(opts.ticket, verb);
  return { operator: operatorIdOf(opts.operator), ticket, host: thisHost() };
}
