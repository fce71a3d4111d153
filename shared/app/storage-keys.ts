import { createHash } from 'node:crypto';

/** Object keys: ids and digests only, never content (SPEC §4). */
export const storageKeys = {
  raw: (partner: string, submissionId: string) => `raw/${partner}/${submissionId}`,
  submission: (partner: string, submissionId: string) => `submissions/${partner}/${submissionId}.json`,
  consumerStatusPrefix: (partner: string, submissionId: string) =>
    `submissions/${partner}/${submissionId}/consumers/`,
  idempotency: (partner: string, key: string) => `idempotency/${partner}/${sha256Hex(key)}.json`,
  assertionJti: (partner: string, jti: string) => `replay/jti/${partner}/${sha256Hex(jti)}`,
};

export const sha256Hex = (value: string | Uint8Array): string =>
  createHash('sha256').update(value).digest('hex');
