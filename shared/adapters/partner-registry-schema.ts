import type { JWK } from 'jose';
import { z } from 'zod';
import { parseCidr } from '../app/partner-governance-network.js';
import { PipelineError } from '../core/errors.js';
import { PARTNER_ID } from '../core/ids.js';
import { BAA_STATUSES, PARTNER_ROUTES, type PartnerRecord, RISK_TIERS } from '../ports/partner-registry.js';
import { issuePaths } from './record-schemas.js';

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const instant = z.iso.datetime({ offset: true });
const day = z.iso.date();

const partnerKeySchema = z
  .looseObject({
    kty: z.string().min(1),
    kid: z.string().min(1).max(256),
    alg: z.string().min(1),
    notBefore: instant.optional(),
    notAfter: instant.optional(),
    revokedAt: instant.optional(),
  })
  .refine((jwk) => PRIVATE_JWK_MEMBERS.every((member) => !(member in jwk)), {
    message: 'partner keys must be public keys',
  })
  .refine((k) => !k.notBefore || !k.notAfter || Date.parse(k.notBefore) < Date.parse(k.notAfter), {
    message: 'notAfter must follow notBefore',
    path: ['notAfter'],
  });

const baaSchema = z
  .strictObject({ status: z.enum(BAA_STATUSES), signedAt: day.optional(), expiresAt: day })
  .refine((baa) => baa.signedAt === undefined || baa.signedAt <= baa.expiresAt, {
    message: 'a BAA expires after it is signed',
    path: ['expiresAt'],
  });

/**
 * A partner record. The governance fields are optional so that records written before them still load
 * (docs/partners.md, "Records from earlier versions"); the refusal of a partner without a BAA is the
 * app's (shared/app/partner-governance.ts), not the store's.
 */
export const partnerSchema = z
  .strictObject({
    id: z.string().regex(PARTNER_ID),
    scopes: z.array(z.string().min(1).max(256)),
    keys: z.array(partnerKeySchema),
    status: z.enum(['active', 'disabled', 'revoked']),
    createdAt: instant,
    baa: baaSchema.optional(),
    riskTier: z.enum(RISK_TIERS).optional(),
    owner: z
      .string()
      .regex(/^[\p{L}\p{N} .,'@_:+-]{1,128}$/u)
      .optional(),
    routes: z.array(z.enum(PARTNER_ROUTES)).optional(),
    sourceCidrs: z
      .array(
        z
          .string()
          .max(64)
          .refine((cidr) => parseCidr(cidr) !== undefined, { message: 'not a CIDR' }),
      )
      .max(256)
      .optional(),
    nextReviewDue: day.optional(),
    revokedAt: instant.optional(),
  })
  .refine((record) => new Set(record.keys.map((k) => k.kid)).size === record.keys.length, {
    message: 'key ids must be unique',
    path: ['keys'],
  });

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

/** Names the partner and the fields (paths such as `baa.expiresAt`, `keys.0.notAfter`), never a value. */
const invalidPartnerRecord = (id: string, error: z.ZodError | undefined, cause?: unknown): PipelineError =>
  new PipelineError(
    'config-invalid',
    `partner record ${id || '(invalid id)'} is invalid${error === undefined ? '' : `: ${issuePaths(error)}`}`,
    {
      details: { partner: id, fields: error === undefined ? '' : issuePaths(error) },
      cause,
    },
  );
