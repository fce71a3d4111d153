import type { Command } from 'commander';
import { CliError } from './cli-error.js';
import type { CliContext } from './core-commands.js';
import { chainBroken, exportOutput, writeStdout } from './export-output.js';
import { queueDepthProbe } from './signal-watch.js';
import { operatorContextOf, withTicketOptions } from './ticket.js';

/**
 * `phi alerts` (the anomaly signals of docs/alarms.md) and `phi siem export` (the audit records and
 * signals as JSON lines, docs/siem.md). Both read what the pipeline already keeps; neither changes it,
 * except that the export, an export of the audit chain, is itself audited with its ticket.
 */

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `--since`: an ISO 8601 time, or a duration back from now (`90s`, `15m`, `24h`, `7d`). */
export function parseSince(value: string, now: Date): Date {
  const duration = /^(\d{1,9})([smhd])$/.exec(value);
  if (duration?.[1] !== undefined && duration[2] !== undefined) {
    return new Date(now.getTime() - Number(duration[1]) * (UNITS[duration[2]] ?? 1) * 1000);
  }
  const time = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(value)
    ? Date.parse(value)
    : Number.NaN;
  if (Number.isNaN(time))
    throw new CliError('--since must be an ISO 8601 time or a duration such as 15m, 24h, 7d', 2);
  return new Date(time);
}

export function registerAlertsCommands(program: Command, ctx: CliContext): void {
  program
    .command('alerts')
    .description(
      'anomaly signals (docs/alarms.md): authentication, signature and digest failures, volume spikes, off-hours submissions, dead letters, consumers behind',
    )
    .option('--since <time>', 'only signals from this time on: ISO 8601, or a duration back (15m, 24h, 7d)')
    .option('--json', 'one JSON object per line (the signal lines of docs/siem.md)')
    .action(async (opts: { since?: string; json?: boolean }) => {
      const config = ctx.config();
      const [{ preparedDeps }, { listSignals, describeSignal }] = await Promise.all([
        import('./prepared-deps.js'),
        import('../shared/app/signals.js'),
      ]);
      const deps = await preparedDeps(config);
      const since = opts.since === undefined ? undefined : parseSince(opts.since, deps.clock.now());
      const depthOf = queueDepthProbe(deps.queue);
      const signals = await listSignals(deps, {
        ...(since === undefined ? {} : { since }),
        ...(depthOf === undefined ? {} : { depthOf }),
      });
      for (const signal of signals) {
        await writeStdout(`${opts.json ? JSON.stringify(signal) : describeSignal(signal)}\n`);
      }
      if (signals.length === 0 && !opts.json) process.stderr.write('no signals\n');
    });

  const siem = program.command('siem').description('security information and event management feeds');
  withTicketOptions(
    siem
      .command('export')
      .description(
        'the audit records and the anomaly signals as JSON lines (docs/siem.md), no PHI; the export is audited with its ticket',
      )
      .option('--since <time>', 'only records and signals from this time on: ISO 8601, or 15m, 24h, 7d')
      .option('--out <file>', 'write to FILE (mode 0600) instead of stdout')
      .usage('--ticket REF [--since T] [--out FILE] [--operator ID]'),
  ).action(async (opts: { since?: string; out?: string; ticket?: string; operator?: string }) => {
    const operator = operatorContextOf(opts, 'phi siem export');
    const since = opts.since === undefined ? undefined : parseSince(opts.since, new Date());
    const config = ctx.config();
    const [{ preparedDeps }, { exportSiemAsOperator }] = await Promise.all([
      import('./prepared-deps.js'),
      import('../shared/app/signals-siem.js'),
    ]);
    const deps = await preparedDeps(config);
    const { file, write, finish } = await exportOutput(opts.out);
    const depthOf = queueDepthProbe(deps.queue);
    const result = await exportSiemAsOperator(deps, operator, write, {
      ...(since === undefined ? {} : { since }),
      ...(depthOf === undefined ? {} : { depthOf }),
      ...(finish === undefined ? {} : { finish }),
    });
    if (!result.ok) throw chainBroken(result.verification.broken);
    if (file !== undefined) {
      process.stdout.write(
        `${result.records} record(s) and ${result.signals} signal(s) written to ${file}\n`,
      );
    }
  });
}
