import { z } from 'zod';

export type SubmissionKind = 'bundle' | 'claim';

export const SUBMISSION_STATUSES = [
  'accepted',
  'processing',
  'delivered',
  'failed',
  'dead-lettered',
] as const;

/** The PHI-free record behind GET /v1/submissions/{id}. */
export const SubmissionRecordSchema = z.object({
  id: z.string(),
  partner: z.string(),
  kind: z.enum(['bundle', 'claim']),
  status: z.enum(SUBMISSION_STATUSES),
  receivedAt: z.string(),
  contentDigest: z.string(),
  bytes: z.number().int(),
  resourceCounts: z.record(z.string(), z.number().int()),
  requestId: z.string(),
  /** The consumers the process worker fanned out to, written before the first deliver message. */
  expectedConsumers: z.array(z.string()).optional(),
});
export type SubmissionRecord = z.infer<typeof SubmissionRecordSchema>;

export const ConsumerStatusSchema = z.object({
  id: z.string(),
  status: z.enum(SUBMISSION_STATUSES),
  at: z.string(),
  reason: z.string().optional(),
});
export type ConsumerStatus = z.infer<typeof ConsumerStatusSchema>;

export const IdempotencyRecordSchema = z.object({
  submissionId: z.string(),
  contentDigest: z.string(),
  receivedAt: z.string(),
  state: z.enum(['pending', 'complete']),
});
export type IdempotencyRecord = z.infer<typeof IdempotencyRecordSchema>;

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

/** Binds a raw ciphertext to its submission: decrypting it under any other context fails. */
export const rawEncryptionContext = (partner: string, submissionId: string): Record<string, string> => ({
  purpose: 'raw-submission',
  submissionId,
  partner,
});

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

export const consumerEncryptionContext = (
  consumer: string,
  submissionId: string,
): Record<string, string> => ({
  purpose: 'consumer-copy',
  submissionId,
  consumer,
});
