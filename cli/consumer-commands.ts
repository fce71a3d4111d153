import type { Command } from 'commander';
import { PipelineError } from '../shared/core/errors.js';
import { CONSUMER_ID, CONSUMER_ID_RULE } from '../shared/core/ids.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './core-commands.js';
import { operatorContextOf, withTicketOptions } from './ticket.js';

function registerHold(consumer: Command, ctx: CliContext, state: 'disabled' | 'enabled'): void {
  const verb = state === 'disabled' ? 'disable' : 'enable';
  withTicketOptions(
    consumer
      .command(verb)
      .description(
        state === 'disabled'
          ? 'stop delivering to a consumer: its shares wait in its deliver queue (not dead-lettered, not lost) and status says it is disabled; audited with operator, ticket and host'
          : 'resume delivery to a disabled consumer: the shares that waited are delivered, each once; audited with operator, ticket and host',
      )
      .argument('<consumer>', 'consumer id (the contract name)')
      .usage('CONSUMER --ticket REF [--operator ID]'),
  ).action(async (id: string, opts: { ticket?: string; operator?: string }) => {
    const operator = operatorContextOf(opts, `phi consumer ${verb}`);
    if (!CONSUMER_ID.test(id)) throw new CliError(`consumer id must match ${CONSUMER_ID_RULE}`, 2);
    const [{ preparedDeps }, { setConsumerState, CONSUMER_STATE_CACHE_MS }] = await Promise.all([
      import('./prepared-deps.js'),
      import('../shared/app/consumer-state.js'),
    ]);
    const deps = await preparedDeps(ctx.config());
    const { previous } = await setConsumerState(deps, operator, id, state).catch((error: unknown) => {
      if (error instanceof PipelineError && error.code === 'not-found') {
        throw new CliError(`no consumer ${id} (no contract of that name)`);
      }
      throw error;
    });
    const seconds = CONSUMER_STATE_CACHE_MS / 1000;
    process.stdout.write(
      previous === state
        ? `consumer ${id} was already ${state} (recorded again)\n`
        : `consumer ${id} ${state}; running workers notice within ${seconds} s\n`,
    );
  });
}

/** `phi consumer …`: per-consumer setup, and the disable/enable switch of an incident. */
export function registerConsumerCommands(program: Command, ctx: CliContext): void {
  const consumer = program.command('consumer').description('per-consumer setup; disable and enable delivery');
  registerHold(consumer, ctx, 'disabled');
  registerHold(consumer, ctx, 'enabled');
  consumer
    .command('fhir-key')
    .description(
      "create (once) the consumer's SMART Backend Services client key for FHIR delivery and print its PUBLIC JWK, to register at the consumer's FHIR server; the private key stays in the pipeline's secrets",
    )
    .argument('<consumer>', 'consumer id (the contract name)')
    .usage('CONSUMER [--jwks]')
    .option('--jwks', 'print a JWK Set ({"keys": [...]}) instead of the bare JWK')
    .action(async (id: string, opts: { jwks?: boolean }) => {
      if (!CONSUMER_ID.test(id)) throw new CliError(`consumer id must match ${CONSUMER_ID_RULE}`, 2);
      const [{ preparedDeps }, { ensureFhirClientKey }] = await Promise.all([
        import('./prepared-deps.js'),
        import('../shared/app/fhir-client-key.js'),
      ]);
      const deps = await preparedDeps(ctx.config());
      const { publicJwk, created } = await ensureFhirClientKey(deps, id);
      const shown = opts.jwks === true ? { keys: [publicJwk] } : publicJwk;
      process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
      process.stderr.write(
        `phi: ${created ? 'created' : 'existing'} FHIR client key ${publicJwk.kid ?? ''} for consumer ${id}\n`,
      );
    });
}
