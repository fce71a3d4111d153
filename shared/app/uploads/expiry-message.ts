import { z } from 'zod';

/**
 * The delayed check queued with every bulk submission (SQS delays reach 15 minutes): when it comes
 * due, a submission whose files have not all arrived fails `upload-incomplete`. Ids only.
 */
export const ExpiryMessageSchema = z
  .object({
    version: z.literal(1),
    type: z.literal('upload.expiry'),
    submissionId: z.string(),
    partner: z.string(),
    /** Re-sends after the first (uploads still in flight within the grace period). */
    attempt: z.number().int().min(0).max(100).optional(),
  })
  .strict();
export type ExpiryMessage = z.infer<typeof ExpiryMessageSchema>;

export const expiryDeduplicationId = (submissionId: string, attempt: number): string =>
  `upload-expiry-${submissionId}-${attempt}`;
