import { type ChildProcess, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DescribeKeyCommand, GetKeyRotationStatusCommand } from '@aws-sdk/client-kms';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainKey } from '../../shared/adapters/aws/s3-audit-sink.js';
import { S3ContractStore } from '../../shared/adapters/aws/s3-contract-store.js';
import { S3ObjectStore } from '../../shared/adapters/aws/s3-object-store.js';
import { type Moto, type MotoClients, motoClients, startMoto } from '../helpers/moto.js';
import { PHI_BIN, REPO_ROOT as ROOT, type Run, spawnPhi } from '../helpers/phi-process.js';
import { until } from '../helpers/until.js';

/**
 * Every `phi` verb with PHI_TARGET=aws against moto_server, as child processes of the built CLI:
 * `phi aws provision` makes the resources and prints the variables; `phi start` runs the local host
 * over the AWS adapters; the partner, consumer and operator verbs then work on S3, SQS and KMS.
 */

const FHIR = join(ROOT, 'samples/fhir/Bundle-bundle-transaction.json');
const FHIR_2 = join(ROOT, 'samples/fhir/Bundle-10bb101f-a121-4264-a920-67be9cb82c74.json');
const X12 = join(ROOT, 'samples/x12/demo.example1.837');
/** Identifiers of FHIR's Patient (name, MRNs, full birth date) that no analytics copy may carry. */
const FHIR_IDENTIFIERS = ['Chalmers', '234234', '456456', '1974-12-25'];
const MAX_RECEIVE_COUNT = 3;
const NAME = 'phi-cli';

let moto: Moto | undefined;
let clients: MotoClients;
let home: string;
let port: number;
/** What `phi aws provision` printed, parsed from its export lines. */
let variables: Record<string, string> = {};
let server: { child: ChildProcess; done: Promise<Run>; output: () => string } | undefined;

const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address !== null
          ? resolvePort(address.port)
          : reject(new Error('no port')),
      );
    });
  });

/** A user's shell: none of the test runner's PHI_* variables, moto's dummy credentials, PHI_HOME. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PHI_'))),
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    // The SDK's Node-version notice would otherwise be the first stderr line of every verb.
    NODE_NO_WARNINGS: '1',
    PHI_HOME: home,
    PORT: String(port),
    ...extra,
  };
}

const phi = (...args: string[]): Promise<Run> => spawnPhi(args, envWith(variables)).done;

/** Each probe may run a `phi` child process: poll every 250 ms, for up to 30 s. */
const POLL = { timeoutMs: 30_000, intervalMs: 250 };

/** `export NAME='value'` lines as printed (single quotes, `'\''` for a quote); any other line fails. */
function parseExports(text: string): Record<string, string> {
  const parsed: Record<string, string> = {};
  for (const line of text.trim().split('\n')) {
    const match = /^export ([A-Z0-9_]+)='((?:[^']|'\\'')*)'$/.exec(line);
    if (match?.[1] === undefined || match[2] === undefined) throw new Error(`not an export line: ${line}`);
    parsed[match[1]] = match[2].replaceAll(`'\\''`, "'");
  }
  return parsed;
}

interface Status {
  readonly status: string;
  readonly consumers: readonly { id: string; status: string; waiting?: string }[];
}

async function statusOf(id: string): Promise<Status> {
  const run = await phi('status', '--partner', 'acme', id);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Status;
}

const registryStore = () =>
  new S3ObjectStore(clients.s3, { bucket: variables.PHI_DATA_BUCKET ?? '', prefix: 'registry/' });
const auditStore = () =>
  new S3ObjectStore(clients.s3, { bucket: variables.PHI_AUDIT_BUCKET ?? '', prefix: 'audit/' });
const dataStore = () => new S3ObjectStore(clients.s3, { bucket: variables.PHI_DATA_BUCKET ?? '' });

beforeAll(async () => {
  const build = (async () => {
    // Emits even while unrelated files have type errors; only the output matters here.
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT }).catch(
      () => undefined,
    );
    if (!existsSync(PHI_BIN)) throw new Error('the CLI did not build');
  })();
  const [started] = await Promise.all([startMoto(), build]);
  moto = started;
  clients = motoClients(started.endpoint);
  home = await mkdtemp(join(tmpdir(), 'phi-cli-aws-'));
  port = await freePort();
}, 120_000);

afterAll(async () => {
  if (server !== undefined && server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await server.done;
  }
  await moto?.stop();
  if (home !== undefined) await rm(home, { recursive: true, force: true });
});

describe('CLI: PHI_TARGET=aws against moto_server', () => {
  it('phi aws provision creates every resource, prints export lines that load, and is idempotent', async () => {
    const env = envWith({ PHI_MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT) });
    const args = [
      'aws',
      'provision',
      '--name',
      NAME,
      '--region',
      'us-east-1',
      '--endpoint',
      moto?.endpoint ?? '',
    ];

    const first = await spawnPhi(args, env).done;

    expect(first.code).toBe(0);
    variables = parseExports(first.stdout);
    expect(variables).toMatchObject({
      PHI_TARGET: 'aws',
      PHI_AWS_REGION: 'us-east-1',
      PHI_AWS_ENDPOINT: moto?.endpoint,
      PHI_PUBLIC_URL: `https://127.0.0.1:${port}`,
      PHI_QUEUE_PREFIX: `${NAME}-`,
      PHI_MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
    });
    const consumerKeys = JSON.parse(variables.PHI_CONSUMER_KEY_IDS ?? '{}') as Record<string, string>;
    expect(Object.keys(consumerKeys).sort()).toEqual(['*', 'analytics', 'billing', 'research']);
    expect(new Set(Object.values(consumerKeys)).size).toBe(4);
    const issuer = await clients.kms.send(new DescribeKeyCommand({ KeyId: variables.PHI_ISSUER_KEY_ID }));
    expect(issuer.KeyMetadata).toMatchObject({ KeyUsage: 'SIGN_VERIFY' });
    expect(issuer.KeyMetadata?.KeySpec ?? issuer.KeyMetadata?.CustomerMasterKeySpec).toBe('ECC_NIST_P256');
    // SSE keys of their own, as in the deployed stack: storage (data bucket) and audit, both rotating.
    const sseKeys = [variables.PHI_SSE_KMS_KEY_ID, variables.PHI_AUDIT_SSE_KMS_KEY_ID];
    expect(new Set([...sseKeys, variables.PHI_DATA_KEY_ID]).size).toBe(3);
    for (const KeyId of sseKeys) {
      const { KeyMetadata } = await clients.kms.send(new DescribeKeyCommand({ KeyId }));
      expect(KeyMetadata).toMatchObject({ KeyUsage: 'ENCRYPT_DECRYPT', KeyState: 'Enabled' });
      const rotation = await clients.kms.send(new GetKeyRotationStatusCommand({ KeyId }));
      expect(rotation.KeyRotationEnabled).toBe(true);
    }
    for (const queue of [
      'ingest',
      'deliver-analytics',
      'notify-analytics',
      'deliver-billing',
      'notify-research',
    ]) {
      const { QueueUrl } = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: `${NAME}-${queue}` }));
      const { Attributes } = await clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['RedrivePolicy'] }),
      );
      const redrive = JSON.parse(Attributes?.RedrivePolicy ?? '{}') as Record<string, unknown>;
      expect(redrive.maxReceiveCount).toBe(MAX_RECEIVE_COUNT);
      expect(String(redrive.deadLetterTargetArn)).toMatch(new RegExp(`:${NAME}-${queue}-dlq$`));
    }
    expect((await registryStore().list('contracts/')).sort()).toEqual([
      'contracts/analytics.json',
      'contracts/billing.json',
      'contracts/research.json',
    ]);

    // Through a real shell: the quoting survives `.` (JSON values included).
    const envFile = join(home, '..', `${NAME}-${port}.env`);
    await writeFile(envFile, first.stdout);
    const shell = await promisify(execFile)('sh', [
      '-c',
      `. '${envFile}' && printf %s "$PHI_CONSUMER_KEY_IDS"`,
    ]);
    await rm(envFile, { force: true });
    expect(shell.stdout).toBe(variables.PHI_CONSUMER_KEY_IDS);

    const again = await spawnPhi(args, env).done;
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    expect(again.stderr).not.toMatch(/^created/m);
  });

  it('phi partner add writes the public JWK to the S3 registry and the private key to PHI_HOME only', async () => {
    const run = await phi('partner', 'add', 'acme');

    expect(run.code).toBe(0);
    const keyPath = join(home, 'partners', 'acme', 'private.jwk');
    expect(run.stdout.trim()).toBe(keyPath);
    expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
    const record = JSON.parse(
      Buffer.from((await registryStore().get('partners/acme.json'))?.body ?? []).toString('utf8'),
    ) as { keys: Record<string, unknown>[] };
    expect(record.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(record.keys[0]).not.toHaveProperty('d');
    // Nothing implicit on AWS: no demo partner, no TLS files before `phi start`.
    expect(await registryStore().list('partners/')).toEqual(['partners/acme.json']);
    expect((await readdir(home)).sort()).toEqual(['partners']);
  });

  let fhirId = '';
  let x12Id = '';

  it('phi start runs the local host over the AWS adapters; phi submit and phi status talk to it', async () => {
    server = spawnPhi(['start'], envWith({ ...variables, PHI_RETRY_BASE_SECONDS: '0' }));
    await until(async () => (server?.output().includes('listening on') ? true : undefined), POLL);
    expect(server.output()).toContain(`https://127.0.0.1:${port} (PHI_TARGET=aws)`);
    expect(existsSync(join(home, 'tls', 'ca.pem'))).toBe(true);

    const run = await phi('submit', '--partner', 'acme', '--json', FHIR, X12);

    expect(run.code).toBe(0);
    const results = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file: string; httpStatus: number; submissionId: string });
    expect(results.map((r) => r.httpStatus)).toEqual([202, 202]);
    fhirId = results.find((r) => r.file === FHIR)?.submissionId ?? '';
    x12Id = results.find((r) => r.file === X12)?.submissionId ?? '';
    const delivered = (id: string) =>
      until(async () => {
        const s = await statusOf(id);
        return s.status === 'delivered' ? s : undefined;
      }, POLL);
    const bundle = await delivered(fhirId);
    expect(bundle.consumers.map((c) => c.id)).toEqual(expect.arrayContaining(['analytics', 'research']));
    expect(bundle.consumers.every((c) => c.status === 'delivered')).toBe(true);
    // Which contracts take claims is theirs to say; the claim is settled either way.
    await delivered(x12Id);
    expect(await dataStore().list(`raw/acme/${fhirId}`)).toEqual([`raw/acme/${fhirId}`]);
    expect((await phi('status', '--partner', 'acme', 'no-such-id')).code).toBe(1);
  }, 60_000);

  it('phi consume decrypts the analytics copies from S3 into files without the input identifiers', async () => {
    const out = join(home, 'out-analytics');

    const run = await phi('consume', 'analytics', '--once', '--out', out, '--ticket', 'CHG-43');

    expect(run.code).toBe(0);
    const files = await readdir(out);
    expect(files).toContain(`${fhirId}.ndjson`);
    for (const file of files) {
      const text = await readFile(join(out, file), 'utf8');
      expect(text).toContain('"resourceType":"Patient"');
      for (const identifier of FHIR_IDENTIFIERS) expect(text).not.toContain(identifier);
    }
    const again = await phi('consume', 'analytics', '--once', '--out', out, '--ticket', 'CHG-43');
    expect(again).toMatchObject({ code: 0, stdout: '' });
  });

  it('phi consumer disable holds the analytics share on SQS (status waits, nothing dead-lettered); enable delivers it once', async () => {
    const disabled = await phi('consumer', 'disable', 'analytics', '--ticket', 'INC-44');
    expect(disabled.code).toBe(0);
    expect(await dataStore().exists('consumer-state/analytics.json')).toBe(true);
    // Running workers cache the flag for up to 5 s (docs/operators.md).
    await new Promise((r) => setTimeout(r, 5_500));

    // New content: the same file again would be answered as a duplicate of the first submission.
    const fresh = join(home, 'held-bundle.json');
    await writeFile(
      fresh,
      (await readFile(FHIR, 'utf8')).replace('"id": "bundle-transaction"', '"id": "bundle-held"'),
    );
    const submitted = await phi('submit', '--partner', 'acme', '--json', fresh);
    const id = (JSON.parse(submitted.stdout) as { submissionId: string }).submissionId;
    const held = await until(async () => {
      const s = await statusOf(id);
      const analytics = s.consumers.find((c) => c.id === 'analytics');
      const others = s.consumers.filter((c) => c.id !== 'analytics');
      return analytics?.waiting === 'consumer-disabled' && others.every((c) => c.status === 'delivered')
        ? s
        : undefined;
    }, POLL);
    expect(held.status).toBe('processing');
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await dataStore().list(`consumers/analytics/${id}`)).toEqual([]);

    expect((await phi('consumer', 'enable', 'analytics', '--ticket', 'INC-44')).code).toBe(0);
    await until(async () => ((await statusOf(id)).status === 'delivered' ? true : undefined), POLL);
    expect(await dataStore().list(`consumers/analytics/${id}`)).toEqual([`consumers/analytics/${id}.ndjson`]);
    expect(await phi('dlq', 'list')).toMatchObject({ code: 0, stdout: '' });
  }, 90_000);

  it('a broken contract dead-letters on SQS; phi dlq list shows it, phi dlq replay --all heals it once', async () => {
    expect(await phi('dlq', 'list')).toMatchObject({ code: 0, stdout: '' });
    const provision = await phi('aws', 'provision', '--name', NAME, '--consumer', 'quality');
    expect(provision.code).toBe(0);
    expect(provision.stderr).toMatch(new RegExp(`^created  sqs ${NAME}-deliver-quality-dlq$`, 'm'));
    const contracts = new S3ContractStore(registryStore());
    const contract = { schemaVersion: 1, name: 'quality', version: '1.0.0', extends: 'safe-harbor' };
    await contracts.put('quality', { ...contract, output: { format: 'ndjsn' } });

    const submitted = await phi('submit', '--partner', 'acme', '--json', FHIR_2);
    const id = (JSON.parse(submitted.stdout) as { submissionId: string }).submissionId;
    await until(async () => {
      const s = await statusOf(id);
      const quality = s.consumers.find((c) => c.id === 'quality');
      return quality?.status === 'dead-lettered' && s.consumers.every((c) => c.status !== 'processing')
        ? s
        : undefined;
    }, POLL);

    const listed = await phi('dlq', 'list');
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ deliver-quality-dlq reason=contract-invalid /);
    expect(lines[0]).toContain(`submission=${id} consumer=quality`);

    await contracts.put('quality', { ...contract, output: { format: 'ndjson' } });
    const replay = await phi('dlq', 'replay', '--all', '--operator', 'ops@example', '--ticket', 'CHG-42');
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(/^replayed \S+ deliver-quality-dlq -> deliver-quality /);
    await until(async () => ((await statusOf(id)).status === 'delivered' ? true : undefined), POLL);

    const twice = await phi('dlq', 'replay', '--all', '--ticket', 'CHG-42');
    expect(twice).toMatchObject({ code: 0, stdout: '' });
    expect(await dataStore().list('consumers/quality/')).toEqual([`consumers/quality/${id}.ndjson`]);
  }, 90_000);

  it('phi audit verify checks the S3 chain, and exits 1 naming the object when one record changed', async () => {
    const exported = await phi('audit', 'export', '--format', 'fhir', '--ticket', 'AUD-9');
    expect(exported.code).toBe(0);
    const events = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { resourceType: string });
    expect(events.length).toBeGreaterThan(5);
    expect(new Set(events.map((e) => e.resourceType))).toEqual(new Set(['AuditEvent']));

    const verified = await phi('audit', 'verify');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^ok: \d+ records, head [0-9a-f]{64}\n$/);
    expect(Number(/ok: (\d+)/.exec(verified.stdout)?.[1])).toBeGreaterThanOrEqual(events.length);

    // Each put names its bucket's key (PHI_AUDIT_SSE_KMS_KEY_ID for the chain, PHI_SSE_KMS_KEY_ID for data).
    const sseKeyOf = async (bucket: string | undefined, key: string) =>
      (await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).SSEKMSKeyId;
    expect(await sseKeyOf(variables.PHI_AUDIT_BUCKET, `audit/${chainKey(1)}`)).toBe(
      variables.PHI_AUDIT_SSE_KMS_KEY_ID,
    );
    expect(await sseKeyOf(variables.PHI_DATA_BUCKET, `raw/acme/${fhirId}`)).toBe(
      variables.PHI_SSE_KMS_KEY_ID,
    );

    const store = auditStore();
    const original = Buffer.from((await store.get(chainKey(2)))?.body ?? []).toString('utf8');
    await store.put(chainKey(2), Buffer.from(original.replace('"time":"2', '"time":"1')));
    expect(Buffer.from((await store.get(chainKey(2)))?.body ?? []).toString('utf8')).not.toBe(original);

    const broken = await phi('audit', 'verify');

    expect(broken.code).toBe(1);
    expect(broken.stdout).toBe('');
    expect(broken.stderr.trim().split('\n')).toHaveLength(1);
    expect(broken.stderr).toContain(`s3://${variables.PHI_AUDIT_BUCKET}/audit/${chainKey(2)}`);
    expect((await phi('audit', 'export', '--format', 'fhir', '--ticket', 'AUD-9')).code).toBe(1);
  });

  it('phi deid works offline: no AWS endpoint is needed', async () => {
    const run = await spawnPhi(
      ['deid', '--profile', 'safe-harbor', FHIR],
      envWith({ ...variables, PHI_AWS_ENDPOINT: 'http://127.0.0.1:9' }),
    ).done;

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ resourceType: 'Bundle' });
    for (const identifier of FHIR_IDENTIFIERS) expect(run.stdout).not.toContain(identifier);
  });

  it('phi aws env turns CloudFormation outputs into export lines that load', async () => {
    const outputs = join(home, 'outputs.json');
    await writeFile(
      outputs,
      JSON.stringify({
        Stacks: [
          {
            Outputs: [
              { OutputKey: 'HttpApiUrl', OutputValue: 'https://abc.execute-api.eu-west-1.amazonaws.com/' },
              { OutputKey: 'PhiDataBucket', OutputValue: 'phi-prod-data' },
              { OutputKey: 'DataKeyId', OutputValue: 'arn:aws:kms:eu-west-1:111122223333:key/k-1' },
              {
                OutputKey: 'ConsumerKeyIds',
                OutputValue: '{"*":"arn:aws:kms:eu-west-1:111122223333:key/k-2"}',
              },
              { OutputKey: 'IssuerKeyId', OutputValue: 'alias/phi-prod-issuer' },
              { OutputKey: 'PhiSseKmsKeyId', OutputValue: 'arn:aws:kms:eu-west-1:111122223333:key/k-3' },
              { OutputKey: 'PhiAuditSseKmsKeyId', OutputValue: 'arn:aws:kms:eu-west-1:111122223333:key/k-4' },
              { OutputKey: 'QueuePrefix', OutputValue: 'phi-prod-' },
              { OutputKey: 'ServerlessDeploymentBucketName', OutputValue: 'ignored' },
            ],
          },
        ],
      }),
    );

    const run = await spawnPhi(['aws', 'env', '--outputs', outputs], envWith({})).done;

    expect(run.code).toBe(0);
    expect(parseExports(run.stdout)).toEqual({
      PHI_TARGET: 'aws',
      PHI_AWS_REGION: 'eu-west-1',
      PHI_PUBLIC_URL: 'https://abc.execute-api.eu-west-1.amazonaws.com',
      PHI_DATA_BUCKET: 'phi-prod-data',
      PHI_SSE_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:111122223333:key/k-3',
      PHI_AUDIT_SSE_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:111122223333:key/k-4',
      PHI_QUEUE_PREFIX: 'phi-prod-',
      PHI_DATA_KEY_ID: 'arn:aws:kms:eu-west-1:111122223333:key/k-1',
      PHI_CONSUMER_KEY_IDS: '{"*":"arn:aws:kms:eu-west-1:111122223333:key/k-2"}',
      PHI_ISSUER_KEY_ID: 'alias/phi-prod-issuer',
    });
    await writeFile(outputs, JSON.stringify([{ OutputKey: 'DataBucket', OutputValue: 'phi-prod-data' }]));
    const incomplete = await spawnPhi(['aws', 'env', '--outputs', outputs], envWith({})).done;
    expect(incomplete).toMatchObject({ code: 1, stdout: '' });
    expect(incomplete.stderr).toContain('PHI_ISSUER_KEY_ID');
    expect(incomplete.stderr).toContain('PHI_SSE_KMS_KEY_ID');
  });

  it('names the missing variables in one line when PHI_TARGET=aws is set without them', async () => {
    const run = await spawnPhi(['dlq', 'list'], envWith({ PHI_TARGET: 'aws' })).done;

    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('PHI_DATA_BUCKET');
  });

  it('every verb answers --help with its usage and exit 0', async () => {
    const verbs = [
      'start',
      'partner add',
      'submit',
      'status',
      'consume',
      'dlq list',
      'dlq replay',
      'audit verify',
      'audit export',
      'deid',
      'demo',
      'aws provision',
      'aws env',
    ];

    const runs = await Promise.all(verbs.map((verb) => phi(...verb.split(' '), '--help')));

    runs.forEach((run, i) => {
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`Usage: phi ${verbs[i]}`);
    });
  });

  it('refuses bad provision options as usage errors: exit 2, one line on stderr', async () => {
    const cases = [
      ['aws', 'provision', '--name', 'Phi'],
      ['aws', 'provision', '--region', 'moon-1'],
      ['aws', 'provision', '--public-url', 'http://x.example'],
    ];

    const runs = await Promise.all(cases.map((args) => phi(...args)));

    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
