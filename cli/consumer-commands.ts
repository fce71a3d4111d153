import type { Command } from 'commander';
import { CONSUMER_ID, CONSUMER_ID_RULE } from '../shared/core/ids.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './core-commands.js';

/** `phi consumer …`: per-consumer setup an operator does once. */
export function registerConsumerCommands(program: Command, ctx: CliContext): void {
  const consumer = program.command('consumer').description('per-consumer setup');
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
