import { z } from 'zod';
import { BulkFileSchema } from './submission.js';

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
    kind: z.enum(['bundle', 'claim', 'bulk']),
    bucket: z.string(),
    /** `raw/{partner}/{id}`; for `bulk`, the prefix of its files (`raw/{partner}/{id}/{index}`). */
    key: z.string(),
    /** For `bulk`, the manifest's digest; each file carries its own. */
    contentDigest: z.string(),
    receivedAt: z.string(),
    /** For `bulk`: the verified files, in manifest order. */
    files: z.array(BulkFileSchema).optional(),
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
    kind: z.enum(['bundle', 'claim', 'bulk']),
    key: z.string(),
    contentDigest: z.string(),
    receivedAt: z.string(),
    files: z.array(BulkFileSchema).optional(),
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
