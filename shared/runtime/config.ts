import path from 'node:path';
import { z } from 'zod';
import { PipelineError } from '../core/errors.js';

const MiB = 1024 * 1024;

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
    PHI_RATE_LIMIT_RPS: z.coerce.number().positive().default(50),
    PHI_RATE_LIMIT_BURST: z.coerce.number().int().positive().default(100),
    PHI_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(300).default(300),
    PHI_MAX_RECEIVE_COUNT: z.coerce.number().int().min(1).max(1000).default(5),
    PHI_WORKERS: z.coerce.boolean().default(true),
  })
  .strict();

export type RawConfig = z.infer<typeof ConfigSchema>;

export interface Config extends RawConfig {
  /** Absolute state directory of the embedded default. */
  readonly home: string;
  /** Base URL partners use; the issuer and token audience derive from it. */
  readonly publicUrl: string;
  readonly tokenUrl: string;
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
  });
}

let memo: Config | undefined;
/** The process's configuration, read once. */
export function getConfig(): Config {
  memo ??= loadConfig(process.env);
  return memo;
}
