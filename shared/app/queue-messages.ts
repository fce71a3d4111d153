import { z } from 'zod';

/**
 * The pipeline's queue messages, each a zod schema and its type: pointers, ids, digests and counts,
 * never content (SPEC §4). Workers parse bodies with these at the SQS edge.
 */

/** The ingest queue's message: a pointer and a digest, never content. */
export const IngestMessageSchema = z
  .object({
    version: z.literal(1),
    type: z.literal('submission.accepted'),
    submissionId: z.string(),
    partner: z.string(),
    kind: z.enum(['bundle', 'claim']),
    bucket: z.string(),
    key: z.string(),
    contentDigest: z.string(),
    receivedAt: z.string(),
  })
  .strict();
export type IngestMessage = z.infer<typeof IngestMessageSchema>;

/** One consumer's share of a submission, on that consumer's own deliver queue. */
export const DeliverMessageSchema = z
  .object({
    version: z.literal(1),
    type: z.literal('submission.deliver'),
    submissionId: z.string(),
    partner: z.string(),
    consumer: z.string(),
    kind: z.enum(['bundle', 'claim']),
    key: z.string(),
    contentDigest: z.string(),
    receivedAt: z.string(),
  })
  .strict();
export type DeliverMessage = z.infer<typeof DeliverMessageSchema>;

/** SPEC §4 consumer notification: ids, a digest and counts, no PHI. */
export const ConsumerNotificationSchema = z
  .object({
    version: z.literal(1),
    type: z.literal('submission.delivered'),
    submissionId: z.string(),
    consumer: z.string(),
    bucket: z.string(),
    key: z.string(),
    contentType: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().nonnegative(),
    resourceCounts: z.record(z.string(), z.number().int()),
    profile: z.string(),
    createdAt: z.string(),
  })
  .strict();
export type ConsumerNotification = z.infer<typeof ConsumerNotificationSchema>;
