import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { ConsumerContract } from '../shared/core/deid/contract.js';
import { PROFILES } from '../shared/core/deid/profile-names.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './core-commands.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A secret file holds 64 hex characters or at least 32 raw bytes. */
async function readSecretFile(file: string): Promise<Uint8Array> {
  const bytes = await readFile(file).catch(() => {
    throw new CliError(`cannot read the secret file ${file}`);
  });
  const text = bytes.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64,}$/.test(text)) return Buffer.from(text, 'hex');
  if (bytes.byteLength < 32)
    throw new CliError('the secret file must hold at least 32 bytes (or 64 hex characters)');
  return bytes;
}

async function readContractFile(file: string): Promise<ConsumerContract> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new CliError(`cannot read the contract file ${file}`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`${path.basename(file)}: (file): not valid JSON`);
  }
  const { parseContract } = await import('../shared/core/deid/contract.js');
  return parseContract(json, path.basename(file));
}

export function registerDeidCommand(program: Command, ctx: CliContext): void {
  program
    .command('deid')
    .description(
      'de-identify FHIR Bundle JSON, FHIR NDJSON or X12 837 files offline with a profile or a contract (same format out as in)',
    )
    .argument('<files...>', 'input files (format read from the content)')
    .option('--profile <name>', `built-in profile: ${PROFILES.join(', ')}`)
    .option('--contract <file>', 'a consumer contract file (docs/contracts.md)')
    .option('--secret-file <file>', 'HMAC key for pseudonyms and date shifts (default: one kept in PHI_HOME)')
    .option('--out <dir>', 'write one output per input, same base name and format')
    .option('--reference-date <YYYY-MM-DD>', 'the date ages are computed at (default: today, UTC)')
    .action(
      async (
        files: string[],
        opts: {
          profile?: string;
          contract?: string;
          secretFile?: string;
          out?: string;
          referenceDate?: string;
        },
      ) => {
        // Loaded by the verb, not by `phi --help` (start-up, issue 11).
        const [
          { builtInProfile, isProfileName },
          { deidentifyFiles },
          { keysDirectory, loadOrCreateKeyFile },
          { preparedDeps },
        ] = await Promise.all([
          import('../shared/core/deid/contract.js'),
          import('../shared/app/deidentify-files.js'),
          import('../shared/adapters/embedded/key-files.js'),
          import('./prepared-deps.js'),
        ]);
        if ((opts.profile === undefined) === (opts.contract === undefined)) {
          throw new CliError('give exactly one of --profile NAME or --contract FILE', 2);
        }
        if (opts.profile !== undefined && !isProfileName(opts.profile)) {
          throw new CliError(`unknown profile ${opts.profile}; built in: ${PROFILES.join(', ')}`, 2);
        }
        const referenceDate = opts.referenceDate ?? new Date().toISOString().slice(0, 10);
        if (!DATE.test(referenceDate)) throw new CliError('--reference-date must be YYYY-MM-DD', 2);
        const contract =
          opts.profile !== undefined && isProfileName(opts.profile)
            ? builtInProfile(opts.profile)
            : await readContractFile(opts.contract ?? '');
        const config = ctx.config();
        await preparedDeps(config);
        const secret =
          opts.secretFile !== undefined
            ? await readSecretFile(opts.secretFile)
            : await loadOrCreateKeyFile(path.join(keysDirectory(config.home), 'deid-offline.key'), () =>
                randomBytes(32),
              );
        // The key id names the secret without revealing it: a short fingerprint.
        const keyId = `deid-${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;
        const result = await deidentifyFiles(files, {
          contract,
          secret,
          keyId,
          referenceDate,
          ...(opts.out !== undefined ? { outDir: opts.out } : {}),
        });
        if (result.stdout !== undefined)
          process.stdout.write(result.stdout.endsWith('\n') ? result.stdout : `${result.stdout}\n`);
        for (const o of result.outputs) if (o.output) process.stderr.write(`${o.input} -> ${o.output}\n`);
      },
    );
}
