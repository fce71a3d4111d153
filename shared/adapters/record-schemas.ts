import type { JWK } from 'jose';
import { z } from 'zod';
import { PipelineError } from '../core/errors.js';
import { PARTNER_ID } from '../core/ids.js';
import type { PartnerRecord } from '../ports/partner-registry.js';

/**
 * Record rules shared by the embedded and the AWS adapters, so a record valid in one store is valid in
 * the other.
 */
export { PARTNER_ID };

/**
 * The ids of the `<id>.json` entries among `names` whose id passes `rule`, sorted: how every record
 * store lists its records, from a directory or an object prefix alike.
 */
export const idsOfJsonNames = (names: readonly string[], rule: RegExp): string[] =>
  names
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .filter((id) => rule.test(id))
    .sort();

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

const publicJwkSchema = z
  .looseObject({ kty: z.string().min(1), kid: z.string().min(1).max(256), alg: z.string().min(1) })
  .refine((jwk) => PRIVATE_JWK_MEMBERS.every((member) => !(member in jwk)), {
    message: 'partner keys must be public keys',
  });

export const partnerSchema = z.strictObject({
  id: z.string().regex(PARTNER_ID),
  scopes: z.array(z.string().min(1).max(256)),
  keys: z.array(publicJwkSchema),
  status: z.enum(['active', 'disabled']),
  createdAt: z.iso.datetime({ offset: true }),
});

/** Only the port's fields reach the log: anything else a caller's object carries is dropped. */
export const auditEventSchema = z.object({
  time: z.iso.datetime({ offset: true }),
  actor: z.object({
    type: z.enum(['partner', 'consumer', 'operator', 'system', 'anonymous']),
    id: z.string().max(256),
  }),
  action: z.string().min(1).max(128),
  outcome: z.enum(['success', 'failure']),
  code: z.string().max(128).optional(),
  requestId: z.string().max(256).optional(),
  submissionId: z.string().max(256).optional(),
  sourceIp: z.string().max(64).optional(),
  details: z.record(z.string().max(128), z.union([z.string().max(1024), z.number(), z.boolean()])).optional(),
});

/** Issue paths of a failed parse, never the values. */
export const issuePaths = (error: z.ZodError): string =>
  [...new Set(error.issues.map((issue) => issue.path.join('.')))].join(',');

/** Decodes a stored partner record for `id`; a malformed one is a config error naming fields only. */
export function decodePartnerRecord(id: string, text: string): PartnerRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalidPartnerRecord(id, undefined, error);
  }
  const parsed = partnerSchema.safeParse(json);
  if (!parsed.success) throw invalidPartnerRecord(id, parsed.error);
  if (parsed.data.id !== id) throw invalidPartnerRecord(id, undefined);
  return { ...parsed.data, keys: parsed.data.keys.map((key): JWK => ({ ...key })) };
}

/** Validates a partner record before it is stored; returns its id and the bytes to store. */
export function encodePartnerRecord(record: PartnerRecord): { id: string; body: Buffer } {
  const parsed = partnerSchema.safeParse(record);
  if (!parsed.success) throw invalidPartnerRecord(PARTNER_ID.test(record.id) ? record.id : '', parsed.error);
  return { id: parsed.data.id, body: Buffer.from(`${JSON.stringify(parsed.data, null, 2)}\n`, 'utf8') };
}

const invalidPartnerRecord = (id: string, error: z.ZodError | undefined, cause?: unknown): PipelineError =>
  new PipelineError('config-invalid', 'partner record is invalid', {
    details: { partner: id, fields: error === undefined ? '' : issuePaths(error) },
    cause,
  });
