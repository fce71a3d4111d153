import { Command, CommanderError } from 'commander';
import type { Config } from '../shared/runtime/config.js';
import { registerAlertsCommands } from './alerts-command.js';
import { registerAwsCommands } from './aws-commands.js';
import { CliError, failureExitCode } from './cli-error.js';
import { registerConsumerCommands } from './consumer-commands.js';
import { registerCoreCommands } from './core-commands.js';
import { registerDeidCommand } from './deid-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerOperatorCommands } from './operator-commands.js';
import { registerPartnerCommands } from './partner-commands.js';

/**
 * `phi`: one line on stderr per failure, no stack unless --verbose; exit 0 success, 1 failed, 2 usage.
 */
export async function runCli(argv: readonly string[]): Promise<void> {
  const program = new Command('phi')
    .description('PHI pipeline: partner ingest, de-identification, delivery, audit')
    .option('--verbose', 'print stack traces on errors')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  // The configuration (zod schemas) loads before any action runs, not to print help or a usage error:
  // actions still read it synchronously, where and when they did.
  let getConfig: (() => Config) | undefined;
  program.hook('preAction', async () => {
    getConfig ??= (await import('../shared/runtime/config.js')).getConfig;
  });
  const ctx = {
    config: (): Config => {
      if (getConfig === undefined) throw new CliError('the configuration is read only inside a verb');
      return getConfig();
    },
  };
  registerCoreCommands(program, ctx);
  registerPartnerCommands(program, ctx);
  registerOperatorCommands(program, ctx);
  registerDeidCommand(program, ctx);
  registerDemoCommand(program);
  registerAwsCommands(program);
  registerConsumerCommands(program, ctx);
  registerAlertsCommands(program, ctx);
  for (const sub of program.commands) inheritOverrides(sub);
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    process.exitCode = exitCodeOf(error, program.opts<{ verbose?: boolean }>().verbose === true);
  }
}

function inheritOverrides(cmd: Command): void {
  cmd.exitOverride();
  cmd.configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  for (const sub of cmd.commands) inheritOverrides(sub);
}

function exitCodeOf(error: unknown, verbose: boolean): number {
  if (error instanceof CommanderError) {
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.exitCode === 0
    )
      return 0;
    if (error.code === 'commander.help') return 0;
    return 2; // commander already printed the one-line usage error
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`phi: ${message.split('\n')[0]}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return failureExitCode(error);
}
