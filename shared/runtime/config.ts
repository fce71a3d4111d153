import path from 'node:path';
import { z } from 'zod';
import { PipelineError } from '../core/errors.js';
import { CONSUMER_ID } from '../core/ids.js';
import type { DataKeyCacheBounds } from '../crypto/data-key-cache.js';

const MiB = 1024 * 1024;

const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Empty, or whole key segments each ending in `/`. */
const S3_PREFIX = /^(?:[A-Za-z0-9!_.*'()-]+\/)*$/;
/** Full key ARNs: the Encryption SDK matches stored data keys by ARN. */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** A JSON object of strings in one variable, e.g. `{"analytics":"arn:aws:kms:…"}`. */
const jsonMap = (value: z.ZodType<string, string>) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string().regex(/^[A-Za-z0-9*_-]{1,80}$/), value));

/** PHI_TARGET=aws only; all optional here, the required ones are checked in `awsSettings`. */
const AwsVariables = {
  /** Set by Lambda itself; PHI_AWS_REGION wins when both are set. */
  AWS_REGION: z.string().min(1).optional(),
  PHI_AWS_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/)
    .optional(),
  /** A non-AWS endpoint for every service (moto in tests); never set in a deployed stack. */
  PHI_AWS_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  PHI_DATA_BUCKET: z.string().regex(S3_BUCKET).optional(),
  /**
   * SSE-KMS key of the second encryption layer, named on every put. Required: a put that names
   * `aws:kms` without a key id is encrypted under the AWS managed `aws/s3` key, not the bucket default.
   */
  PHI_SSE_KMS_KEY_ID: z.string().min(1).max(2048).optional(),
  /** SSE-KMS key of the audit store only (its own key, as in the deployed stack); default PHI_SSE_KMS_KEY_ID. */
  PHI_AUDIT_SSE_KMS_KEY_ID: z.string().min(1).max(2048).optional(),
  PHI_REGISTRY_BUCKET: z.string().regex(S3_BUCKET).optional(),
  PHI_REGISTRY_PREFIX: z.string().regex(S3_PREFIX).default('registry/'),
  PHI_AUDIT_BUCKET: z.string().regex(S3_BUCKET).optional(),
  PHI_AUDIT_PREFIX: z.string().regex(S3_PREFIX).default('audit/'),
  /** SQS name = prefix + queue name (`ingest`, `deliver-<consumer>`, …, each with `-dlq`). */
  PHI_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{0,40}$/)
    .default(''),
  /** Queue URLs by queue name, instead of GetQueueUrl lookups. */
  PHI_QUEUE_URLS: jsonMap(z.url({ protocol: /^https?$/ })).optional(),
  PHI_DATA_KEY_ID: z.string().regex(KMS_KEY_ARN).optional(),
  /** KMS key ARN by consumer id; `*` for consumers without their own. */
  PHI_CONSUMER_KEY_IDS: jsonMap(z.string().regex(KMS_KEY_ARN)).optional(),
  /** KMS ECC_NIST_P256 SIGN_VERIFY key (id, ARN or alias) that signs access tokens. */
  PHI_ISSUER_KEY_ID: z.string().min(1).max(2048).optional(),
};

/**
 * Every setting the pipeline reads, in one place. Unknown PHI_* variables are refused so a typo
 * cannot silently fall back to a default.
 */
const ConfigSchema = z
  .object({
    PHI_TARGET: z.enum(['local', 'aws']).default('local'),
    PHI_HOME: z.string().min(1).default('.phi'),
    PORT: z.coerce.number().int().min(0).max(65_535).default(8443),
    PHI_HOST: z.string().min(1).default('127.0.0.1'),
    PHI_PUBLIC_URL: z.url({ protocol: /^https$/ }).optional(),
    PHI_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(10 * MiB)
      .default(5 * MiB),
    /** `phi submit`: files above this many bytes take the upload path (4 MiB: the AWS API's limit). */
    PHI_SUBMIT_DIRECT_LIMIT: z.coerce
      .number()
      .int()
      .min(0)
      .default(4 * MiB),
    PHI_RATE_LIMIT_RPS: z.coerce.number().positive().default(50),
    PHI_RATE_LIMIT_BURST: z.coerce.number().int().positive().default(100),
    PHI_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(300).default(300),
    PHI_MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).max(1000).default(5),
    PHI_RETRY_BASE_SECONDS: z.coerce.number().min(0).max(900).default(5),
    /** Visibility timeout of the local queue pollers (on AWS the queues' own setting applies). */
    PHI_VISIBILITY_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(43_200).default(30),
    /** Bulk uploads (docs/uploads.md): how long upload URLs live, at most 15 minutes (SQS's longest delay). */
    PHI_UPLOAD_URL_SECONDS: z.coerce.number().int().min(1).max(900).default(900),
    /** Extra time after the URLs expire for uploads still in flight before `upload-incomplete`. */
    PHI_UPLOAD_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(300),
    /** Largest declared file: at most 5 GiB, S3's largest single PUT. */
    PHI_UPLOAD_MAX_FILE_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(5 * 1024 * MiB)
      .default(5 * 1024 * MiB),
    /** Largest sum of one manifest's declared sizes. */
    PHI_UPLOAD_MAX_TOTAL_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(1024 * 1024 * MiB)
      .default(50 * 1024 * MiB),
    /**
     * Set where a consumer itself runs `phi consume` (its service's environment): `phi consume ID` for
     * that consumer then needs no `--ticket`; anyone else consuming its share is an operator acting on
     * its behalf and must give one (docs/operators.md).
     */
    PHI_CONSUMER: z.string().regex(CONSUMER_ID).optional(),
    /**
     * Data-key cache of the key port, on both targets (KMS on AWS, the local master keys on the
     * embedded default): one data key encrypts at most this many objects and bytes, for at most this
     * long, per key name and purpose/partner/consumer; unwrapped data keys are remembered as long.
     */
    PHI_KMS_CACHE_MAX_AGE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
    PHI_KMS_CACHE_MAX_MESSAGES: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
    PHI_KMS_CACHE_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(64 * 1024 * MiB)
      .default(1024 * MiB),
    /** `false` runs the HTTP API without queue workers (e.g. to watch messages pile up). */
    PHI_WORKERS: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    ...AwsVariables,
  })
  .strict();

export type RawConfig = z.infer<typeof ConfigSchema>;

export interface Config extends RawConfig {
  /** Absolute state directory of the embedded default. */
  readonly home: string;
  /** Base URL partners use; the issuer and token audience derive from it. */
  readonly publicUrl: string;
  readonly tokenUrl: string;
  /** Bounds of the key port's data-key cache (PHI_KMS_CACHE_*). */
  readonly dataKeyCache: DataKeyCacheBounds;
  /** Present exactly when PHI_TARGET=aws. */
  readonly aws: AwsSettings | undefined;
}

export interface AwsSettings {
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly dataBucket: string;
  /** SSE-KMS key of the data and registry stores. */
  readonly sseKmsKeyId: string;
  /** SSE-KMS key of the audit store. */
  readonly auditSseKmsKeyId: string;
  readonly registry: { readonly bucket: string; readonly prefix: string };
  readonly audit: { readonly bucket: string; readonly prefix: string };
  readonly queuePrefix: string;
  readonly queueUrls: Readonly<Record<string, string>>;
  readonly dataKeyId: string;
  readonly consumerKeyIds: Readonly<Record<string, string>>;
  readonly issuerKeyId: string;
}

/** The AWS target's settings; names every missing required variable at once. */
function awsSettings(raw: RawConfig): AwsSettings {
  const region = raw.PHI_AWS_REGION ?? raw.AWS_REGION;
  const {
    PHI_DATA_BUCKET: dataBucket,
    PHI_DATA_KEY_ID: dataKeyId,
    PHI_ISSUER_KEY_ID: issuerKeyId,
    PHI_SSE_KMS_KEY_ID: sseKmsKeyId,
  } = raw;
  const missing = [
    ...(region === undefined ? ['PHI_AWS_REGION (or AWS_REGION)'] : []),
    ...(dataBucket === undefined ? ['PHI_DATA_BUCKET'] : []),
    ...(dataKeyId === undefined ? ['PHI_DATA_KEY_ID'] : []),
    ...(issuerKeyId === undefined ? ['PHI_ISSUER_KEY_ID'] : []),
    // Tokens are issued for, and audienced to, the deployed API's URL; no local default fits.
    ...(raw.PHI_PUBLIC_URL === undefined ? ['PHI_PUBLIC_URL'] : []),
    // Without a key id S3 would use the AWS managed aws/s3 key, which the bucket policies refuse.
    ...(sseKmsKeyId === undefined ? ['PHI_SSE_KMS_KEY_ID'] : []),
  ];
  if (
    missing.length > 0 ||
    region === undefined ||
    dataBucket === undefined ||
    dataKeyId === undefined ||
    issuerKeyId === undefined ||
    sseKmsKeyId === undefined
  ) {
    throw new PipelineError('config-invalid', `PHI_TARGET=aws needs: ${missing.join(', ')}`);
  }
  return {
    region,
    endpoint: raw.PHI_AWS_ENDPOINT,
    dataBucket,
    sseKmsKeyId,
    auditSseKmsKeyId: raw.PHI_AUDIT_SSE_KMS_KEY_ID ?? sseKmsKeyId,
    registry: { bucket: raw.PHI_REGISTRY_BUCKET ?? dataBucket, prefix: raw.PHI_REGISTRY_PREFIX },
    audit: { bucket: raw.PHI_AUDIT_BUCKET ?? dataBucket, prefix: raw.PHI_AUDIT_PREFIX },
    queuePrefix: raw.PHI_QUEUE_PREFIX,
    queueUrls: raw.PHI_QUEUE_URLS ?? {},
    dataKeyId,
    consumerKeyIds: raw.PHI_CONSUMER_KEY_IDS ?? {},
    issuerKeyId,
  };
}

const KNOWN = new Set(Object.keys(ConfigSchema.shape));

/** Pure: parse an environment into a frozen Config; errors name variables, never values. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, cwd = process.cwd()): Config {
  const picked: Record<string, string> = {};
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || v === '') continue;
    if (KNOWN.has(k)) picked[k] = v;
    else if (k.startsWith('PHI_')) unknown.push(k);
  }
  if (unknown.length > 0) {
    throw new PipelineError(
      'config-invalid',
      `unknown configuration variable(s): ${unknown.sort().join(', ')}`,
    );
  }
  const parsed = ConfigSchema.safeParse(picked);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '?')))].sort();
    throw new PipelineError('config-invalid', `invalid configuration variable(s): ${names.join(', ')}`);
  }
  const raw = parsed.data;
  const publicUrl = (raw.PHI_PUBLIC_URL ?? `https://${raw.PHI_HOST}:${raw.PORT}`).replace(/\/+$/, '');
  return Object.freeze({
    ...raw,
    home: path.resolve(cwd, raw.PHI_HOME),
    publicUrl,
    tokenUrl: `${publicUrl}/v1/token`,
    dataKeyCache: {
      maxAgeMs: raw.PHI_KMS_CACHE_MAX_AGE_SECONDS * 1000,
      maxMessagesEncrypted: raw.PHI_KMS_CACHE_MAX_MESSAGES,
      maxBytesEncrypted: raw.PHI_KMS_CACHE_MAX_BYTES,
    },
    aws: raw.PHI_TARGET === 'aws' ? awsSettings(raw) : undefined,
  });
}

let memo: Config | undefined;
/** The process's configuration, read once. */
export function getConfig(): Config {
  memo ??= loadConfig(process.env);
  return memo;
}
