import { z } from 'zod';

/**
 * The SIEM line shape as a schema: exported lines are checked against it in tests, and
 * docs/siem.schema.json is generated from it (`z.toJSONSchema`), so the document cannot drift from
 * the code. Strict objects: a field not listed here is a schema change, with a version bump.
 */
const ID = z.string().max(256);
const TIME = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);

export const SiemAuditLineSchema = z.strictObject({
  v: z.literal(1),
  type: z.literal('audit'),
  time: TIME,
  seq: z.number().int().nonnegative(),
  actor: z.strictObject({
    type: z.enum(['partner', 'consumer', 'operator', 'system', 'anonymous']),
    id: ID,
  }),
  action: ID,
  outcome: z.enum(['success', 'failure']),
  code: ID.optional(),
  requestId: ID.optional(),
  submissionId: ID.optional(),
  sourceIp: ID.optional(),
  details: z.record(z.string().max(64), z.union([ID, z.number(), z.boolean()])).optional(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});

export const SiemSignalLineSchema = z.strictObject({
  v: z.literal(1),
  type: z.literal('signal'),
  time: TIME,
  signal: ID,
  severity: z.enum(['warning', 'critical']),
  key: z.strictObject({ kind: z.enum(['partner', 'sourceIp', 'queue']), id: ID }),
  window: z.strictObject({ from: TIME, to: TIME, seconds: z.number().int().nonnegative() }),
  count: z.number().nonnegative(),
  threshold: z.number().nonnegative(),
  codes: z.array(ID).optional(),
});

export const SiemLineSchema = z.discriminatedUnion('type', [SiemAuditLineSchema, SiemSignalLineSchema]);

/** docs/siem.schema.json: the JSON Schema (draft 2020-12) of one line. */
export const siemJsonSchema = (): unknown => ({
  $id: 'https://phi-pipeline.example/schemas/siem-line-v1.json',
  title: 'phi-pipeline SIEM line, version 1',
  ...(z.toJSONSchema(SiemLineSchema) as Record<string, unknown>),
});
