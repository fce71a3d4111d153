import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { CreateKeyCommand, type KMS } from '@aws-sdk/client-kms';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll } from 'vitest';
import { packageRoot } from '../../local/package-root.js';
import {
  type AwsClientSettings,
  createKmsClient,
  createS3Client,
  createSqsClient,
} from '../../shared/adapters/aws/clients.js';

const run = promisify(execFile);

export interface Moto {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export const MOTO_REGION = 'us-east-1';

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function onPath(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && (await isExecutable(join(dir, command)))) return join(dir, command);
  }
  return undefined;
}

/**
 * `python3 -m venv .venv && .venv/bin/pip install 'moto[server]'`, once: test files run in parallel
 * workers, so the first takes a directory lock and the others wait for its result.
 */
async function installIntoVenv(root: string, venvServer: string): Promise<void> {
  const lock = join(root, '.venv.install-lock');
  for (const deadline = Date.now() + 10 * 60_000; ; ) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (await isExecutable(venvServer)) return;
      if (Date.now() > deadline) throw new Error(`moto install lock ${lock} is held for too long`);
      await sleep(1000);
    }
  }
  try {
    if (await isExecutable(venvServer)) return;
    await run('python3', ['-m', 'venv', join(root, '.venv')], { timeout: 120_000 });
    // Short network timeouts: offline, fail within a minute rather than after pip's long retries.
    await run(
      join(root, '.venv', 'bin', 'pip'),
      [
        'install',
        '--quiet',
        '--disable-pip-version-check',
        '--timeout',
        '15',
        '--retries',
        '1',
        'moto[server]',
      ],
      { timeout: 600_000 },
    );
  } catch (error) {
    throw new Error(
      'moto_server is not on PATH and `pip install moto[server]` into .venv failed (offline?). ' +
        'Install it (pip install "moto[server]") or put moto_server on PATH.',
      { cause: error },
    );
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

async function findMotoServer(): Promise<string> {
  const fromPath = await onPath('moto_server');
  if (fromPath !== undefined) return fromPath;
  const root = packageRoot();
  const venvServer = join(root, '.venv', 'bin', 'moto_server');
  if (!(await isExecutable(venvServer))) await installIntoVenv(root, venvServer);
  return venvServer;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Starts a private moto_server on 127.0.0.1 and a free port; `stop` kills it. */
export async function startMoto(): Promise<Moto> {
  const server = await findMotoServer();
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn(server, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    let gone = false;
    void exited(child).then(() => {
      gone = true;
    });
    for (const deadline = Date.now() + 30_000; !gone && Date.now() < deadline; ) {
      if (await answers(endpoint)) {
        return {
          endpoint,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            await exited(child);
          },
        };
      }
      await sleep(100);
    }
    child.kill('SIGKILL');
    await exited(child);
    // Another process may have taken the port between probe and bind: try another one.
    if (attempt >= 3) throw new Error(`moto_server (${server}) did not start`);
  }
}

/** Client settings for moto: fake credentials, explicit retries and timeouts. */
export const motoSettings = (
  endpoint: string,
  overrides: Partial<AwsClientSettings> = {},
): AwsClientSettings => ({
  region: MOTO_REGION,
  endpoint,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  maxAttempts: 2,
  ...overrides,
});

export interface MotoClients {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly kms: KMS;
}

/** Fresh clients (not the memoized ones), so a test may add middleware without affecting others. */
export const motoClients = (endpoint: string, overrides: Partial<AwsClientSettings> = {}): MotoClients => {
  const settings = motoSettings(endpoint, overrides);
  return { s3: createS3Client(settings), sqs: createSqsClient(settings), kms: createKmsClient(settings) };
};

export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(5).toString('hex')}`;

export async function createBucket(s3: S3Client, name = uniqueName('phi-test')): Promise<string> {
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

/** What `setUpMoto` hands a test file: its server, fresh clients and a bucket of its own. */
export interface MotoSetup {
  readonly moto: Moto;
  readonly clients: MotoClients;
  readonly bucket: string;
}

/**
 * A test file's moto_server: before its tests, starts one, makes fresh clients (with `overrides`) and
 * a bucket, and hands them to `ready`, which keeps what the file uses and creates anything else it
 * needs; after its tests, stops the server.
 */
export function setUpMoto(
  ready: (setup: MotoSetup) => void | Promise<void>,
  overrides: Partial<AwsClientSettings> = {},
): void {
  let moto: Moto | undefined;
  beforeAll(async () => {
    moto = await startMoto();
    const clients = motoClients(moto.endpoint, overrides);
    await ready({ moto, clients, bucket: await createBucket(clients.s3) });
  });
  afterAll(async () => {
    await moto?.stop();
  });
}

/** A symmetric KMS key; its full ARN. */
export async function createDataKey(kms: KMS): Promise<string> {
  const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'phi test data key' }));
  if (KeyMetadata?.Arn === undefined) throw new Error('moto CreateKey answered without an ARN');
  return KeyMetadata.Arn;
}

export async function createSigningKey(kms: KMS): Promise<string> {
  const { KeyMetadata } = await kms.send(
    new CreateKeyCommand({
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      Description: 'phi test issuer',
    }),
  );
  if (KeyMetadata?.Arn === undefined) throw new Error('moto CreateKey answered without an ARN');
  return KeyMetadata.Arn;
}

export interface QueueProvisioning {
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutSeconds: number;
}

/**
 * A `resolveQueueUrl` for SqsQueue that creates what the template would: `<name>-dlq`, and `<name>`
 * with a RedrivePolicy to it. Names ending in `-dlq` get only the DLQ.
 */
export function provisioningResolver(
  sqs: SQSClient,
  settings: QueueProvisioning,
): (physicalName: string) => Promise<string> {
  const create = async (name: string, attributes: Record<string, string> = {}): Promise<string> => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: { VisibilityTimeout: String(settings.visibilityTimeoutSeconds), ...attributes },
      }),
    );
    if (QueueUrl === undefined) throw new Error('moto CreateQueue answered without a URL');
    return QueueUrl;
  };
  return async (physicalName) => {
    if (physicalName.endsWith('-dlq')) return create(physicalName);
    const dlqUrl = await create(`${physicalName}-dlq`);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    return create(physicalName, {
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: Attributes?.QueueArn,
        maxReceiveCount: settings.maxReceiveCount,
      }),
    });
  };
}
