import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { packageRoot } from '../local/package-root.js';
import { awsErrorName } from '../shared/adapters/aws/aws-errors.js';
import { exportLine, variablesFromStackOutputs } from './aws/aws-outputs.js';
import { PROVISION_NAME } from './aws/aws-provision-names.js';
import { CliError } from './cli-error.js';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

interface ProvisionOptions {
  name: string;
  region?: string;
  endpoint?: string;
  publicUrl?: string;
  dataBucket?: string;
  auditBucket?: string;
  consumer?: string[];
  json?: boolean;
}

function httpUrl(value: string, option: string, protocols: readonly string[]): string {
  try {
    const url = new URL(value);
    if (protocols.includes(url.protocol)) return value.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  throw new CliError(`${option} must be an ${protocols.join(' or ')} URL`, 2);
}

/** The SDK's credential chain found nothing: say what to set rather than the SDK's long story. */
function explainCredentials(error: unknown): never {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (awsErrorName(e) === 'CredentialsProviderError') {
      throw new CliError(
        'no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values for moto)',
      );
    }
  }
  throw error;
}

async function printVariables(
  variables: ReadonlyArray<readonly [string, string]>,
  json: boolean,
): Promise<void> {
  // The same validation every verb applies, so what is printed is known to load.
  const { loadConfig } = await import('../shared/runtime/config.js');
  loadConfig(Object.fromEntries(variables));
  process.stdout.write(
    json
      ? `${JSON.stringify(Object.fromEntries(variables), null, 2)}\n`
      : `${variables.map(([name, value]) => exportLine(name, value)).join('\n')}\n`,
  );
}

async function readOutputs(file: string): Promise<unknown> {
  if (file === '-' && process.stdin.isTTY) {
    throw new CliError('pipe describe-stacks JSON into phi aws env, or give --outputs FILE', 2);
  }
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch {
    throw new CliError(`cannot read ${file === '-' ? 'stdin' : file}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${file === '-' ? 'stdin' : path.basename(file)}: not JSON`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

/** `phi aws provision` and `phi aws env`: how the CLI finds an AWS stack (docs/aws-cli.md). */
export function registerAwsCommands(program: Command): void {
  const aws = program
    .command('aws')
    .description("set up AWS resources for PHI_TARGET=aws, or read a deployed stack's configuration");

  aws
    .command('provision')
    .description(
      'create (or find) the buckets, KMS keys, SQS queues with dead-letter queues and default contracts the AWS adapters need, in an account or in moto; prints the PHI_* variables as export lines',
    )
    .usage('[--name NAME] [--region R] [--endpoint URL] [--public-url URL] [--consumer ID...] [--json]')
    .option('--name <name>', 'prefix of every resource name: buckets, KMS aliases, SQS queues', 'phi-dev')
    .option('--region <region>', 'AWS region (default: PHI_AWS_REGION, else AWS_REGION)')
    .option('--endpoint <url>', 'a local AWS emulator such as moto_server (default: PHI_AWS_ENDPOINT)')
    .option(
      '--public-url <url>',
      'the API URL partners use (default: PHI_PUBLIC_URL, else https://PHI_HOST:PORT)',
    )
    .option('--data-bucket <bucket>', 'data and registry bucket (default: NAME-data-ACCOUNT)')
    .option('--audit-bucket <bucket>', 'audit bucket (default: NAME-audit-ACCOUNT)')
    .option(
      '--consumer <ids...>',
      'also make queues and a key for these consumers (run before uploading their contracts)',
    )
    .option('--json', 'print the variables as one JSON object instead of export lines')
    .action(async (opts: ProvisionOptions) => {
      if (!PROVISION_NAME.test(opts.name)) {
        throw new CliError('--name must be 2-32 of a-z, 0-9 and -, starting with a letter', 2);
      }
      // PHI_TARGET=aws would demand the very variables this verb is about to print.
      const { loadConfig } = await import('../shared/runtime/config.js');
      const config = loadConfig({ ...process.env, PHI_TARGET: 'local' });
      const region = opts.region ?? config.PHI_AWS_REGION ?? config.AWS_REGION;
      if (region === undefined) throw new CliError('give --region (or set PHI_AWS_REGION or AWS_REGION)', 2);
      if (!REGION.test(region)) throw new CliError('--region is not an AWS region name', 2);
      const endpoint =
        opts.endpoint === undefined
          ? config.PHI_AWS_ENDPOINT
          : httpUrl(opts.endpoint, '--endpoint', ['http:', 'https:']);
      const publicUrl =
        opts.publicUrl === undefined ? config.publicUrl : httpUrl(opts.publicUrl, '--public-url', ['https:']);
      // The SDK clients load only for this verb, not for every `phi` run.
      const { provisionAws } = await import('./aws/aws-provision.js');
      const result = await provisionAws(
        {
          name: opts.name,
          region,
          ...(endpoint === undefined ? {} : { endpoint }),
          publicUrl,
          maxReceiveCount: config.PHI_MAX_RECEIVE_COUNT,
          registryPrefix: config.PHI_REGISTRY_PREFIX,
          auditPrefix: config.PHI_AUDIT_PREFIX,
          ...(opts.dataBucket === undefined ? {} : { dataBucket: opts.dataBucket }),
          ...(opts.auditBucket === undefined ? {} : { auditBucket: opts.auditBucket }),
          consumers: opts.consumer ?? [],
          contractsDir: path.join(packageRoot(), 'contracts'),
        },
        (line) => process.stderr.write(`${line}\n`),
      ).catch(explainCredentials);
      await printVariables(result.variables, opts.json === true);
    });

  aws
    .command('env')
    .description(
      'print export lines for a deployed stack from its CloudFormation outputs (aws cloudformation describe-stacks --stack-name NAME | phi aws env)',
    )
    .usage('[--outputs FILE] [--json]')
    .option('--outputs <file>', 'describe-stacks JSON, or its Stacks[0].Outputs list; - for stdin', '-')
    .option('--json', 'print the variables as one JSON object instead of export lines')
    .action(async (opts: { outputs: string; json?: boolean }) => {
      await printVariables(variablesFromStackOutputs(await readOutputs(opts.outputs)), opts.json === true);
    });
}
