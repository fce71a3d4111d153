import { z } from 'zod';

/**
 * The same rules as the embedded file adapters (file-partner-registry.ts, file-audit-sink.ts keep
 * theirs private), so a record valid in one store is valid in the other.
 */
export const PARTNER_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
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
