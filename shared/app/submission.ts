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

/** Binds a raw ciphertext to its submission: decrypting it under any other context fails. */
export const rawEncryptionContext = (partner: string, submissionId: string): Record<string, string> => ({
  purpose: 'raw-submission',
  submissionId,
  partner,
});

/** Binds an acknowledgement's ciphertext to its submission and type (a 277CA echoes claim numbers). */
export const acknowledgementEncryptionContext = (
  partner: string,
  submissionId: string,
  type: string,
): Record<string, string> => ({
  purpose: 'acknowledgement',
  submissionId,
  partner,
  type,
});

/** The pipeline key a consumer's copies and secrets are encrypted under. */
export const consumerKeyName = (consumer: string): string => `consumer:${consumer}`;

export const consumerEncryptionContext = (
  consumer: string,
  submissionId: string,
): Record<string, string> => ({
  purpose: 'consumer-copy',
  submissionId,
  consumer,
});
