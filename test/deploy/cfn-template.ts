/** A CloudFormation template as JSON, read without trusting its shape. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Resource {
  readonly id: string;
  readonly type: string;
  readonly properties: JsonObject;
  readonly raw: JsonObject;
}

export interface Template {
  readonly Resources: JsonObject;
  readonly Outputs?: JsonObject;
}

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const asObject = (value: unknown): JsonObject => (isObject(value) ? value : {});
export const asArray = (value: unknown): Json[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value as Json];

export function resources(template: Template, type?: string): Resource[] {
  return Object.entries(template.Resources)
    .filter(([, raw]) => isObject(raw) && (type === undefined || raw.Type === type))
    .map(([id, raw]) => {
      const object = asObject(raw);
      return { id, type: String(object.Type), properties: asObject(object.Properties), raw: object };
    });
}

export function resource(template: Template, id: string): Resource {
  const raw = template.Resources[id];
  if (!isObject(raw)) throw new Error(`no resource ${id}`);
  return { id, type: String(raw.Type), properties: asObject(raw.Properties), raw };
}

/** `{Ref: X}` → X, `{Fn::GetAtt: [X, attr]}` → X; anything else undefined. */
export function referencedId(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

export const clone = <T>(value: T): T => structuredClone(value);

/**
 * Evaluates the intrinsics the function environments use (Ref, GetAtt, Sub, Join) with made-up but
 * well-formed physical values, so the environment can go through the real config loader.
 */
export function evaluate(value: Json, template: Template, account = '123456789012'): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (!isObject(value)) throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
  const pseudo: Record<string, string> = {
    'AWS::Region': 'us-east-1',
    'AWS::AccountId': account,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const physical = (id: string, attribute?: string): string => {
    const known = pseudo[id];
    if (known !== undefined) return known;
    const type = asObject(template.Resources[id]).Type;
    const lower = id.toLowerCase().replace(/[^a-z0-9]/g, '');
    if (type === 'AWS::KMS::Key') {
      const keyId = `${lower.slice(0, 8).padEnd(8, '0')}-1111-2222-3333-444455556666`;
      return `arn:aws:kms:us-east-1:${account}:key/${keyId}`;
    }
    if (type === 'AWS::S3::Bucket')
      return attribute === 'Arn' ? `arn:aws:s3:::${lower}-x1y2` : `${lower}-x1y2`;
    if (type === 'AWS::ApiGatewayV2::Api') return 'a1b2c3d4e5';
    throw new Error(`no stand-in value for ${id}${attribute ? `.${attribute}` : ''} (${String(type)})`);
  };
  if (typeof value.Ref === 'string') return physical(value.Ref);
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return physical(String(getAtt[0]), String(getAtt[1]));
  const sub = value['Fn::Sub'];
  if (typeof sub === 'string') {
    return sub.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      const [id, attribute] = name.split('.');
      return physical(String(id), attribute);
    });
  }
  const join = value['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    return join[1].map((part) => evaluate(part, template, account)).join(join[0]);
  }
  throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
}
