import path from 'node:path';
import type { Command } from 'commander';
import type { AwsSettings, Config } from '../shared/runtime/config.js';
import { CliError } from './cli-error.js';

/**
 * Every verb imports what it runs inside its action (`await import(...)`): building the program loads
 * commander and these declarations only, so `phi --help` and a light verb do not pay for the stack,
 * the SDKs or the FHIR definitions (issue 11, bench/startup.ts).
 */
export interface CliContext {
  readonly config: () => Config;
}

const SAMPLE_BUNDLE = 'samples/fhir/Bundle-bundle-transaction.json';

/**
 * `phi start` with PHI_TARGET=aws: the local host runs the Lambda handlers over the AWS adapters. Tokens
 * name PHI_PUBLIC_URL as issuer and audience, so partners must reach this host by that URL.
 */
function awsStartLines(config: Config, aws: AwsSettings, url: string, caPath: string): string[] {
  return [
    `phi-pipeline listening on ${url} (PHI_TARGET=aws)`,
    `  objects:          s3://${aws.dataBucket}`,
    `  audit:            s3://${aws.audit.bucket}/${aws.audit.prefix}`,
    `  queues:           SQS ${aws.queuePrefix}ingest, ${aws.queuePrefix}deliver-*, ${aws.queuePrefix}notify-*`,
    `  aws endpoint:     ${aws.endpoint ?? `AWS ${aws.region}`}`,
    `  TLS CA:           ${caPath}`,
    ...(config.publicUrl === url
      ? []
      : [`  warning: PHI_PUBLIC_URL is ${config.publicUrl}; tokens are audienced to it, not to ${url}`]),
    '  add a partner, then submit, in another terminal:',
    '    npx phi partner add acme',
    `    npx phi submit --partner acme ${SAMPLE_BUNDLE}`,
    '',
  ];
}

export function registerCoreCommands(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description(
      'run the whole pipeline on this machine (HTTPS API, workers, local stores and queues); with PHI_TARGET=aws the same host and workers over S3, SQS and KMS',
    )
    .action(async () => {
      const config = ctx.config();
      const { startLocalStack } = await import('../local/stack.js');
      const stack = await startLocalStack(config);
      const rel = (p: string) => path.relative(process.cwd(), p) || p;
      process.stdout.write(
        (config.aws === undefined
          ? [
              `phi-pipeline listening on ${stack.url}`,
              `  state:            ${rel(config.home)}`,
              `  TLS CA:           ${rel(stack.caPath)}`,
              `  demo partner key: ${rel(stack.demoKeyPath)}`,
              '  try, in another terminal:',
              `    npx phi submit ${SAMPLE_BUNDLE}`,
              '',
            ]
          : awsStartLines(
              config,
              config.aws,
              stack.url,
              rel(stack.caPath).startsWith('..') ? stack.caPath : rel(stack.caPath),
            )
        ).join('\n'),
      );
      // Anomaly signals as warnings on stderr while it runs (docs/alarms.md).
      const stopSignals = await (await import('./signal-watch.js')).watchSignals(stack.deps);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await stopSignals();
      await stack.close();
    });

  program
    .command('submit')
    .description(
      'submit FHIR bundles and X12 claim files as a partner (token, Content-Digest, detached JWS); a folder of NDJSON files, or a file above the direct limit, goes as one bulk submission through POST /v1/uploads',
    )
    .argument(
      '<files...>',
      'FHIR JSON or X12 files, FHIR NDJSON files, or folders of NDJSON files (a Bulk Data export)',
    )
    .option('--partner <id>', 'partner id whose key in PHI_HOME signs', 'demo')
    .option('--url <url>', 'base URL of the API (default: the local stack)')
    .option('--json', 'one JSON object per line')
    .option(
      '--direct-limit <bytes>',
      'files above this size take the upload path (default PHI_SUBMIT_DIRECT_LIMIT, 4 MiB)',
    )
    .option('--wait <seconds>', 'how long to wait for the server to verify uploaded files', '300')
    .option(
      '--part-size <bytes>',
      'upload files larger than this in parts of this size, resumable (default: above 64 MiB, in 16 MiB parts; at least 5 MiB)',
    )
    .action(
      async (
        files: string[],
        opts: {
          partner: string;
          url?: string;
          json?: boolean;
          directLimit?: string;
          wait: string;
          partSize?: string;
        },
      ) => {
        const config = ctx.config();
        const [{ preparedDeps }, { partnerClient }, { runSubmit, wholeNumber }] = await Promise.all([
          import('./prepared-deps.js'),
          import('./partner-session.js'),
          import('./submit-files.js'),
        ]);
        const directLimit = wholeNumber(opts.directLimit, '--direct-limit') ?? config.PHI_SUBMIT_DIRECT_LIMIT;
        const waitMs = (wholeNumber(opts.wait, '--wait') ?? 300) * 1000;
        const partBytes = wholeNumber(opts.partSize, '--part-size');
        if (partBytes !== undefined && partBytes < 5 * 1024 * 1024) {
          throw new CliError('--part-size is at least 5242880 (5 MiB, S3 smallest part)', 2);
        }
        await preparedDeps(config);
        const client = await partnerClient(config, opts.partner, opts.url);
        try {
          await runSubmit(client, files, {
            json: opts.json === true,
            directLimit,
            waitMs,
            ...(partBytes === undefined ? {} : { partBytes }),
            stateDir: path.join(config.home, 'upload-state'),
          });
        } finally {
          client.close();
        }
      },
    );

  program
    .command('status')
    .description("print a submission's status document")
    .argument('<id>', 'submission id')
    .option('--partner <id>', 'partner id that submitted it', 'demo')
    .option('--url <url>', 'base URL of the API (default: the local stack)')
    .action(async (id: string, opts: { partner: string; url?: string }) => {
      const config = ctx.config();
      const [{ preparedDeps }, { partnerClient }] = await Promise.all([
        import('./prepared-deps.js'),
        import('./partner-session.js'),
      ]);
      await preparedDeps(config);
      const client = await partnerClient(config, opts.partner, opts.url);
      try {
        const res = await client.status(id);
        if (res.status !== 200)
          throw new CliError(res.status === 404 ? `no submission ${id}` : `HTTP ${res.status}`);
        process.stdout.write(`${JSON.stringify(res.json, null, 2)}\n`);
      } finally {
        client.close();
      }
    });
}
