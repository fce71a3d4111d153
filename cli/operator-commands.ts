import path from 'node:path';
import { type Command, Option } from 'commander';
import { AUDIT_EXPORT_FORMATS, type AuditExportFormat } from '../shared/app/audit-export-formats.js';
import type { ConsumeOutcome } from '../shared/app/consume-notifications.js';
import type { DeadLetterView, ReplayResult, ReplaySelection } from '../shared/app/dead-letter-admin.js';
import type { OperatorContext } from '../shared/app/operator-actions.js';
import { CONSUMER_ID, CONSUMER_ID_RULE } from '../shared/core/ids.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './core-commands.js';
import { chainBroken, exportOutput, writeStdout } from './export-output.js';
import { operatorContextOf, withTicketOptions } from './ticket.js';

export { defaultOperatorId } from './ticket.js';

const shown = (p: string): string => {
  const relative = path.relative(process.cwd(), p);
  return relative === '' || relative.startsWith('..') ? p : relative;
};

const idsSuffix = (view: DeadLetterView): string =>
  `${view.submissionId === undefined ? '' : ` submission=${view.submissionId}`}${
    view.consumer === undefined ? '' : ` consumer=${view.consumer}`
  }`;

function describeDeadLetter(view: DeadLetterView, formatAge: (seconds: number) => string): string {
  const where = view.path === undefined ? '' : ` path=${view.path} kind=${view.pathKind ?? 'unknown'}`;
  return `${view.messageId} ${view.queue} reason=${view.reason} receives=${view.receiveCount} age=${formatAge(view.ageSeconds)}${idsSuffix(view)}${where}`;
}

function describeReplay(result: ReplayResult): string {
  const route = `${result.messageId} ${result.queue} -> ${result.sourceQueue}${idsSuffix(result)}`;
  switch (result.outcome) {
    case 'replayed':
      return `replayed ${route}`;
    case 'would-replay':
      return `would replay ${route}`;
    case 'already-moved':
      return `already moved ${result.messageId} (another replay took it first)`;
  }
}

function selectionOf(opts: { all?: boolean; id?: string[]; submission?: string[] }): ReplaySelection {
  const given = [opts.all === true, opts.id !== undefined, opts.submission !== undefined].filter(
    Boolean,
  ).length;
  if (given !== 1) throw new CliError('give exactly one of --all, --id ID..., --submission ID...', 2);
  if (opts.id !== undefined) return { kind: 'ids', ids: opts.id };
  if (opts.submission !== undefined) return { kind: 'submissions', submissionIds: opts.submission };
  return { kind: 'all' };
}

function describeRefusal(outcome: Extract<ConsumeOutcome, { status: 'refused' }>): string {
  const submission = outcome.submissionId === undefined ? '' : ` (submission ${outcome.submissionId})`;
  return `phi: notification ${outcome.messageId} refused: ${outcome.code}${submission}\n`;
}

/**
 * Whether `phi consume CONSUMER` runs as that consumer or as an operator on its behalf (SPEC §2 makes
 * it consumer tooling; §5 makes reading a share for someone else an audited operator action). A
 * consumer's own environment declares itself with PHI_CONSUMER=CONSUMER. On the embedded default, one
 * machine whose user plays every part, an undeclared run is the consumer's; a declaration naming another
 * consumer, any undeclared run against AWS, or an explicit --ticket/--operator makes it an operator
 * action: it needs --ticket and is audited as `consumer.consume`.
 */
export function consumeOperator(
  consumer: string,
  environment: { readonly declared: string | undefined; readonly target: 'local' | 'aws' },
  opts: { ticket?: string; operator?: string },
): OperatorContext | undefined {
  const explicit = opts.ticket !== undefined || opts.operator !== undefined;
  const asConsumer =
    environment.declared === consumer ||
    (environment.declared === undefined && environment.target === 'local');
  if (asConsumer && !explicit) return undefined;
  const why =
    environment.declared === undefined
      ? `phi consume ${consumer} against a deployed stack without PHI_CONSUMER=${consumer}`
      : `phi consume ${consumer} on behalf of the consumer (PHI_CONSUMER is not ${consumer} here)`;
  return operatorContextOf(opts, why);
}

function registerConsume(program: Command, ctx: CliContext): void {
  withTicketOptions(
    program
      .command('consume')
      .description(
        "consumer tooling: take notifications from the consumer's queue, decrypt each object with the consumer's key, write the plaintext to DIR; run for another consumer (PHI_CONSUMER names another, or against AWS without PHI_CONSUMER) it is an operator action and needs --ticket",
      )
      .argument('<consumer>', 'consumer id (a-z, 0-9, -)')
      .usage('CONSUMER [--out DIR] [--once] [--ticket REF [--operator ID]]')
      .option('--out <dir>', 'where plaintext files go (default: ./out/<consumer>)')
      .option(
        '--once',
        'drain the notifications available now, then exit (default: wait for more until Ctrl-C)',
      ),
  ).action(
    async (consumer: string, opts: { out?: string; once?: boolean; ticket?: string; operator?: string }) => {
      if (!CONSUMER_ID.test(consumer)) throw new CliError(`consumer id must match ${CONSUMER_ID_RULE}`, 2);
      const config = ctx.config();
      const operator = consumeOperator(
        consumer,
        { declared: config.PHI_CONSUMER, target: config.PHI_TARGET },
        opts,
      );
      const [{ preparedDeps }, { consumeNotifications }, { directoryOutput }, { queueNames }, actions] =
        await Promise.all([
          import('./prepared-deps.js'),
          import('../shared/app/consume-notifications.js'),
          import('./output-directory.js'),
          import('../shared/app/queue-names.js'),
          import('../shared/app/operator-actions.js'),
        ]);
      const deps = await preparedDeps(config);
      const dir = path.resolve(opts.out ?? path.join('out', consumer));
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const consume = async () => {
        const summary = await consumeNotifications(deps, {
          consumer,
          output: directoryOutput(dir),
          once: opts.once === true,
          signal: controller.signal,
          onOutcome: (outcome) => {
            if (outcome.status === 'written')
              process.stdout.write(`${outcome.submissionId} ${shown(outcome.path)}\n`);
            else if (outcome.status === 'refused') process.stderr.write(describeRefusal(outcome));
          },
        });
        return { result: summary, targets: { written: summary.written, refused: summary.refused } };
      };
      try {
        const summary =
          operator === undefined
            ? (await consume()).result
            : await actions.auditedOperatorAction(
                deps,
                operator,
                { verb: 'consumer.consume', targets: { consumer } },
                consume,
              );
        if (summary.refused > 0) {
          throw new CliError(
            `${summary.refused} notification(s) refused; they stay on ${queueNames.notify(consumer)} until its dead-letter queue takes them`,
          );
        }
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    },
  );
}

function registerDlq(program: Command, ctx: CliContext): void {
  const dlq = program.command('dlq').description('inspect and replay dead-lettered messages');
  dlq
    .command('list')
    .description(
      'dead-lettered messages: id, queue, first failure reason, receive count, age, submission and consumer ids',
    )
    .option('--queue <queue>', 'only this queue (its name or its -dlq name)')
    .usage('[--queue Q] [--json]')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { queue?: string; json?: boolean }) => {
      const [{ preparedDeps }, { formatAge, listDeadLetters }] = await Promise.all([
        import('./prepared-deps.js'),
        import('../shared/app/dead-letter-admin.js'),
      ]);
      const deps = await preparedDeps(ctx.config());
      for (const view of await listDeadLetters(deps, opts.queue)) {
        const line = opts.json
          ? JSON.stringify({ ...view, age: formatAge(view.ageSeconds) })
          : describeDeadLetter(view, formatAge);
        await writeStdout(`${line}\n`);
      }
    });

  withTicketOptions(
    dlq
      .command('replay')
      .description(
        'move dead-lettered messages back to their source queue; each move is audited with the operator, ticket and host',
      )
      .option('--queue <queue>', 'only this queue (its name or its -dlq name)')
      .usage('[--queue Q] (--all | --id ID... | --submission ID...) --ticket REF [--dry-run] [--operator ID]')
      .option('--all', 'every dead-lettered message (of --queue)')
      .option('--id <ids...>', 'these message ids')
      .option('--submission <ids...>', 'the messages of these submissions')
      .option('--dry-run', 'print what would move; move nothing'),
  ).action(
    async (opts: {
      queue?: string;
      all?: boolean;
      id?: string[];
      submission?: string[];
      dryRun?: boolean;
      operator?: string;
      ticket?: string;
    }) => {
      const operator = operatorContextOf(opts, 'phi dlq replay');
      const selection = selectionOf(opts);
      const [{ preparedDeps }, { replayDeadLetters }] = await Promise.all([
        import('./prepared-deps.js'),
        import('../shared/app/dead-letter-admin.js'),
      ]);
      const deps = await preparedDeps(ctx.config());
      const report = await replayDeadLetters(deps, {
        ...(opts.queue === undefined ? {} : { queue: opts.queue }),
        selection,
        dryRun: opts.dryRun === true,
        ...operator,
      });
      for (const result of report.results) await writeStdout(`${describeReplay(result)}\n`);
      if (report.results.length === 0 && report.unmatched.length === 0) {
        process.stderr.write('no dead-lettered messages\n');
      }
      if (report.unmatched.length > 0) {
        throw new CliError(`no dead-lettered message matches: ${report.unmatched.join(', ')}`);
      }
    },
  );
}

function registerAudit(program: Command, ctx: CliContext): void {
  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description("verify the audit log's hash chain end to end")
    .action(async () => {
      const { preparedDeps } = await import('./prepared-deps.js');
      const deps = await preparedDeps(ctx.config());
      const result = await deps.auditLog.verify();
      if (!result.ok) {
        const { file, line, seq, reason } = result.broken;
        throw new CliError(
          `audit chain broken at ${file}:${line}${seq === undefined ? '' : ` seq ${seq}`}: ${reason} (${result.count} record(s) before it verified)`,
        );
      }
      process.stdout.write(`ok: ${result.count} records, head ${result.head}\n`);
    });

  withTicketOptions(
    audit
      .command('export')
      .description(
        'export the audit log as FHIR R4 AuditEvents (IHE BALP patterns); the export itself is audited with its ticket',
      )
      .addOption(
        new Option(
          '--format <format>',
          'fhir: NDJSON, one AuditEvent per line; fhir-bundle: one collection Bundle',
        )
          .choices(AUDIT_EXPORT_FORMATS)
          .makeOptionMandatory(),
      )
      .usage('--format fhir|fhir-bundle --ticket REF [--out FILE] [--operator ID]')
      .option('--out <file>', 'write to FILE (mode 0600) instead of stdout'),
  ).action(async (opts: { format: AuditExportFormat; out?: string; ticket?: string; operator?: string }) => {
    const operator = operatorContextOf(opts, 'phi audit export');
    const config = ctx.config();
    const [{ preparedDeps }, { exportAuditLogAsOperator }] = await Promise.all([
      import('./prepared-deps.js'),
      import('../shared/app/audit-admin.js'),
    ]);
    const deps = await preparedDeps(config);
    const { file, write, finish } = await exportOutput(opts.out);
    const result = await exportAuditLogAsOperator(
      deps,
      operator,
      () => deps.auditLog.read(),
      opts.format,
      write,
      { serverUrl: config.publicUrl, ...(finish === undefined ? {} : { finish }) },
    );
    if (!result.ok) throw chainBroken(result.verification.broken);
    if (file !== undefined) {
      process.stdout.write(`${result.count} AuditEvent(s) written to ${shown(file)}\n`);
    }
  });
}

/** The operator and consumer verbs of SPEC §2: consume, dlq list/replay, audit verify/export. */
export function registerOperatorCommands(program: Command, ctx: CliContext): void {
  registerConsume(program, ctx);
  registerDlq(program, ctx);
  registerAudit(program, ctx);
}
