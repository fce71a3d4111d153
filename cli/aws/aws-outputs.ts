import { PipelineError } from '../../shared/core/errors.js';

/**
 * PHI_* configuration from a deployed stack's CloudFormation outputs, as printed by
 * `aws cloudformation describe-stacks --stack-name NAME` (the whole answer, or its
 * `Stacks[0].Outputs` list). CloudFormation output keys are alphanumeric, so an output maps to a
 * variable by name without underscores, case and an optional `Phi` prefix: `PhiDataBucket`,
 * `DataBucket` and `PHIDATABUCKET` all give PHI_DATA_BUCKET. The URL output the Serverless
 * Framework adds for an HTTP API (`HttpApiUrl`) gives PHI_PUBLIC_URL.
 */

/** Variables a deployed stack can tell the CLI; the rest keep their defaults. */
export const STACK_OUTPUT_VARIABLES = [
  'PHI_AWS_REGION',
  'PHI_PUBLIC_URL',
  'PHI_DATA_BUCKET',
  'PHI_SSE_KMS_KEY_ID',
  'PHI_REGISTRY_BUCKET',
  'PHI_REGISTRY_PREFIX',
  'PHI_AUDIT_BUCKET',
  'PHI_AUDIT_PREFIX',
  'PHI_AUDIT_SSE_KMS_KEY_ID',
  'PHI_QUEUE_PREFIX',
  'PHI_QUEUE_URLS',
  'PHI_DATA_KEY_ID',
  'PHI_CONSUMER_KEY_IDS',
  'PHI_ISSUER_KEY_ID',
  'PHI_MAX_RECEIVE_COUNT',
  'PHI_MAX_BODY_BYTES',
  'PHI_TOKEN_TTL_SECONDS',
  'PHI_KMS_CACHE_MAX_AGE_SECONDS',
  'PHI_KMS_CACHE_MAX_MESSAGES',
  'PHI_KMS_CACHE_MAX_BYTES',
] as const;

const ALIASES: Readonly<Record<string, string>> = {
  HTTPAPIURL: 'PHI_PUBLIC_URL',
  APIURL: 'PHI_PUBLIC_URL',
  SERVICEENDPOINT: 'PHI_PUBLIC_URL',
};

const squash = (name: string): string => name.toUpperCase().replace(/[^A-Z0-9]/g, '');
const withoutPhi = (squashed: string): string => (squashed.startsWith('PHI') ? squashed.slice(3) : squashed);

const BY_SQUASHED = new Map<string, string>(STACK_OUTPUT_VARIABLES.map((v) => [withoutPhi(squash(v)), v]));

interface StackOutput {
  readonly OutputKey: string;
  readonly OutputValue: string;
}

const isOutput = (value: unknown): value is StackOutput =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { OutputKey?: unknown }).OutputKey === 'string' &&
  typeof (value as { OutputValue?: unknown }).OutputValue === 'string';

function outputsOf(document: unknown): StackOutput[] {
  let list: unknown = document;
  if (typeof document === 'object' && document !== null && !Array.isArray(document)) {
    const { Stacks, Outputs } = document as { Stacks?: unknown; Outputs?: unknown };
    list = Array.isArray(Stacks) ? (Stacks[0] as { Outputs?: unknown } | undefined)?.Outputs : Outputs;
  }
  if (!Array.isArray(list)) {
    throw new PipelineError(
      'config-invalid',
      'not CloudFormation outputs: expected describe-stacks JSON or its Stacks[0].Outputs list',
      { details: { rule: 'stack-outputs' } },
    );
  }
  return list.filter(isOutput);
}

/**
 * The variables the outputs name, with PHI_TARGET=aws first. Outputs that name no variable are
 * ignored. Without a region output, the region comes from the data key's ARN.
 */
export function variablesFromStackOutputs(document: unknown): Array<[string, string]> {
  const found = new Map<string, string>();
  for (const { OutputKey, OutputValue } of outputsOf(document)) {
    const squashed = squash(OutputKey);
    const variable = ALIASES[squashed] ?? BY_SQUASHED.get(withoutPhi(squashed));
    if (variable !== undefined && !found.has(variable)) found.set(variable, OutputValue);
  }
  const publicUrl = found.get('PHI_PUBLIC_URL');
  if (publicUrl !== undefined) found.set('PHI_PUBLIC_URL', publicUrl.replace(/\/+$/, ''));
  const region = found.get('PHI_DATA_KEY_ID')?.split(':')[3];
  if (!found.has('PHI_AWS_REGION') && region !== undefined && region !== '')
    found.set('PHI_AWS_REGION', region);
  return [
    ['PHI_TARGET', 'aws'],
    ...STACK_OUTPUT_VARIABLES.flatMap((v): Array<[string, string]> => {
      const value = found.get(v);
      return value === undefined ? [] : [[v, value]];
    }),
  ];
}

/** `export NAME='value'`, single-quoted so JSON values survive `eval` in sh, bash and zsh. */
export const exportLine = (name: string, value: string): string =>
  `export ${name}='${value.replaceAll("'", `'\\''`)}'`;
