import { z } from 'zod';

/** What a partner posts directly. */
export type SubmissionKind = 'bundle' | 'claim';
/** What a submission record can be: a direct submission, or a bulk one declared by a manifest (SPEC §5). */
export type RecordKind = SubmissionKind | 'bulk';

/** The kinds of file a bulk manifest lists (SPEC §5). */
export const BULK_FILE_KINDS = ['fhir-ndjson', 'fhir-bundle', 'x12-837'] as const;
export type BulkFileKind = (typeof BULK_FILE_KINDS)[number];

/** One file of a bulk submission, as its manifest declared it; `index` is its place in the manifest. */
export const BulkFileSchema = z
  .object({
    index: z.number().int().nonnegative(),
    kind: z.enum(BULK_FILE_KINDS),
    resourceType: z.string().optional(),
    bytes: z.number().int().nonnegative(),
    /** `sha-256=:BASE64:` as declared. */
    contentDigest: z.string(),
  })
  .strict();
export type BulkFile = z.infer<typeof BulkFileSchema>;

/** Why a bulk submission failed (SPEC §5 `failed` codes); `file` is the manifest index, never its name. */
export const BULK_FAILURE_CODES = [
  'upload-mismatch',
  'upload-incomplete',
  'invalid-content',
  /** Issue 12: the partner was revoked or lost its BAA between the manifest and its files' arrival. */
  'partner-not-authorized',
] as const;
export const SubmissionFailureSchema = z
  .object({
    code: z.enum(BULK_FAILURE_CODES),
    file: z.number().int().nonnegative().optional(),
    /** A fixed sentence naming the rule; never content. */
    message: z.string(),
  })
  .strict();
export type SubmissionFailure = z.infer<typeof SubmissionFailureSchema>;

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
  kind: z.enum(['bundle', 'claim', 'bulk']),
  status: z.enum(SUBMISSION_STATUSES),
  receivedAt: z.string(),
  contentDigest: z.string(),
  bytes: z.number().int(),
  resourceCounts: z.record(z.string(), z.number().int()),
  requestId: z.string(),
  /** The consumers the process worker fanned out to, written before the first deliver message. */
  expectedConsumers: z.array(z.string()).optional(),
  /** Bulk submissions: the files the manifest declared, and until when they may arrive. */
  files: z.array(BulkFileSchema).optional(),
  expiresAt: z.string().optional(),
  /** Set with status `failed`. */
  failure: SubmissionFailureSchema.optional(),
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

/** Binds one verified file of a bulk submission to its submission and place in the manifest. */
export const rawFileEncryptionContext = (
  partner: string,
  submissionId: string,
  index: number,
): Record<string, string> => ({
  purpose: 'raw-submission',
  submissionId,
  partner,
  file: String(index),
});
