import { z } from 'zod';
import { PARTNER_ID } from '../core/ids.js';

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
