import { z } from 'zod';
import { jsonRecord } from '../json-records.js';
import { storageKeys } from '../storage-keys.js';

/** Where a landing key points: `uploads/{partner}/{submissionId}/{index}`; undefined for anything else. */
export function parseLandingKey(
  key: string,
): { partner: string; submissionId: string; index: number } | undefined {
  const match = /^uploads\/([a-z0-9][a-z0-9-]{0,63})\/([0-9a-f-]{36})\/(\d{1,4})$/.exec(key);
  if (!match) return undefined;
  const [, partner = '', submissionId = '', index = '0'] = match;
  return { partner, submissionId, index: Number(index) };
}

const ArrivalSchema = z.object({ index: z.number().int(), bytes: z.number().int(), at: z.string() }).strict();
const arrivals = jsonRecord('upload-arrival', ArrivalSchema);

/** One marker per landed file (create-if-absent: a repeated S3 event finds its own). */
export const uploadArrivals = {
  record: (
    objects: Parameters<typeof arrivals.write>[0],
    partner: string,
    id: string,
    index: number,
    bytes: number,
    at: string,
  ) =>
    arrivals.write(
      objects,
      storageKeys.uploadArrival(partner, id, index),
      { index, bytes, at },
      { ifAbsent: true },
    ),
  count: async (objects: Parameters<typeof arrivals.write>[0], partner: string, id: string) =>
    (await objects.list(storageKeys.uploadArrivalPrefix(partner, id))).length,
};

/** The multipart upload of a declared file (AWS or local upload id, never content), one per file that has one. */
const multipartPrefix = (partner: string, id: string) => `submissions/${partner}/${id}/multipart/`;
const MultipartSchema = z
  .object({ index: z.number().int(), uploadId: z.string().min(1).max(1024), at: z.string() })
  .strict();
export type MultipartRecord = z.infer<typeof MultipartSchema>;
const multiparts = jsonRecord('upload-multipart', MultipartSchema);

/**
 * Which multipart upload a file's parts go to. Create-if-absent, so a repeated manifest (or a retried
 * request) answers the same upload id and an interrupted upload resumes where it stopped.
 */
export const uploadMultiparts = {
  claim: (
    objects: Parameters<typeof multiparts.write>[0],
    partner: string,
    id: string,
    value: MultipartRecord,
  ) =>
    multiparts.write(objects, `${multipartPrefix(partner, id)}${value.index}.json`, value, {
      ifAbsent: true,
    }),
  read: (objects: Parameters<typeof multiparts.read>[0], partner: string, id: string, index: number) =>
    multiparts.read(objects, `${multipartPrefix(partner, id)}${index}.json`),
  all: async (objects: Parameters<typeof multiparts.read>[0], partner: string, id: string) => {
    const found: MultipartRecord[] = [];
    for (const key of await objects.list(multipartPrefix(partner, id))) {
      const record = await multiparts.read(objects, key);
      if (record !== undefined) found.push(record);
    }
    return found;
  },
};

const VerificationSchema = z
  .object({ state: z.enum(['verifying', 'queued', 'failed']), at: z.string() })
  .strict();
export type VerificationState = z.infer<typeof VerificationSchema>['state'];
const verification = jsonRecord('upload-verification', VerificationSchema);

/**
 * Who verifies a complete bulk submission: the first arrival (or expiry check) to claim it, so two
 * files landing together are verified once; `queued` once its ingest message went out.
 */
export const uploadVerification = {
  claim: (objects: Parameters<typeof verification.write>[0], partner: string, id: string, at: string) =>
    verification.write(
      objects,
      storageKeys.uploadVerification(partner, id),
      { state: 'verifying', at },
      { ifAbsent: true },
    ),
  read: (objects: Parameters<typeof verification.read>[0], partner: string, id: string) =>
    verification.read(objects, storageKeys.uploadVerification(partner, id)),
  mark: (
    objects: Parameters<typeof verification.write>[0],
    partner: string,
    id: string,
    state: VerificationState,
    at: string,
  ) => verification.write(objects, storageKeys.uploadVerification(partner, id), { state, at }),
};

/** Binds the per-line error report of a failed bulk submission to it. */
export const uploadErrorsEncryptionContext = (
  partner: string,
  submissionId: string,
): Record<string, string> => ({
  purpose: 'upload-errors',
  submissionId,
  partner,
});
