import { createHash } from 'node:crypto';

/** Object keys, all of them in one place: ids and digests only, never content (SPEC §4). */
export const storageKeys = {
  raw: (partner: string, submissionId: string) => `raw/${partner}/${submissionId}`,
  /** One verified file of a bulk submission, envelope-encrypted like `raw`. */
  rawFile: (partner: string, submissionId: string, index: number) =>
    `raw/${partner}/${submissionId}/${index}`,
  /** Where a bulk file lands before it is verified (presigned PUT on S3, the local upload URL embedded). */
  upload: (partner: string, submissionId: string, index: number) =>
    `uploads/${partner}/${submissionId}/${index}`,
  /** Per-line OperationOutcomes of a failed bulk submission (GET /v1/submissions/{id}/errors), encrypted. */
  uploadErrors: (partner: string, submissionId: string) => `errors/${partner}/${submissionId}.ndjson`,
  submission: (partner: string, submissionId: string) => `submissions/${partner}/${submissionId}.json`,
  /** That a bulk file landed (PHI-free: index, size, time); one per declared file. */
  uploadArrivalPrefix: (partner: string, submissionId: string) =>
    `submissions/${partner}/${submissionId}/arrivals/`,
  uploadArrival: (partner: string, submissionId: string, index: number) =>
    `submissions/${partner}/${submissionId}/arrivals/${index}.json`,
  /** Who verifies a complete bulk submission, and whether its ingest message went out. */
  uploadVerification: (partner: string, submissionId: string) =>
    `submissions/${partner}/${submissionId}/verification.json`,
  consumerStatusPrefix: (partner: string, submissionId: string) =>
    `submissions/${partner}/${submissionId}/consumers/`,
  consumerStatus: (partner: string, submissionId: string, consumer: string) =>
    `${storageKeys.consumerStatusPrefix(partner, submissionId)}${consumer}.json`,
  /** An acknowledgement (TA1, 999, 277CA) of a claim submission, encrypted like the original. */
  acknowledgement: (partner: string, submissionId: string, type: string) =>
    `acks/${partner}/${submissionId}/${type}.x12`,
  /** Which submission first carried an interchange control number (ISA13) from a partner. */
  interchange: (partner: string, controlNumber: string) => `interchanges/${partner}/${controlNumber}.json`,
  idempotency: (partner: string, key: string) => `idempotency/${partner}/${sha256Hex(key)}.json`,
  assertionJti: (partner: string, jti: string) => `replay/jti/${partner}/${sha256Hex(jti)}`,
  /** The encrypted, de-identified copy a consumer is notified of (SPEC §4). */
  consumerCopy: (consumer: string, submissionId: string, ext: string) =>
    `consumers/${consumer}/${submissionId}.${ext}`,
  deliveryMarker: (consumer: string, submissionId: string) => `deliveries/${consumer}/${submissionId}.json`,
  failure: (queue: string, messageId: string) => `failures/${queue}/${messageId}.json`,
  /** A de-identification secret (pseudonym and date-shift HMAC key). */
  secret: (secretName: string) => `secrets/${secretName}`,
  fhirClientKey: (consumer: string) => `secrets/fhir-client-${consumer}`,
};

/** A consumer copy's key taken apart; undefined when `key` is not one (it is read from a message). */
export function parseConsumerCopyKey(
  key: string,
): { consumer: string; submissionId: string; ext: string } | undefined {
  const match = /^consumers\/([^/]+)\/([^/]+)\.([a-z0-9]{1,16})$/.exec(key);
  if (!match) return undefined;
  const [, consumer = '', submissionId = '', ext = ''] = match;
  return { consumer, submissionId, ext };
}

export const sha256Hex = (value: string | Uint8Array): string =>
  createHash('sha256').update(value).digest('hex');
